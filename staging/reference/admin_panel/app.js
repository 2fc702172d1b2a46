/* Al Marya Rostery admin panel: one page, hash routes, the backend's API as its only data source.
 *
 * API.md 7.3: sign in through POST /api/auth/admin-login, keep the token in localStorage.adminToken and
 * send it as a Bearer token. The API base is this server only when the page is opened at `localhost`;
 * from any other host name (127.0.0.1 included) the panel calls the hosted backend, like the real one.
 * Figures are shown as the API returns them: money with its two decimals, counts as they are.
 */
'use strict';

(() => {
  const HOSTED_API = 'https://almaryarostary.onrender.com';
  const API_BASE = location.hostname === 'localhost'
    ? `http://localhost${location.port ? `:${location.port}` : ''}`
    : HOSTED_API;

  const ALL_STATUSES = ['pending', 'confirmed', 'accepted', 'preparing', 'ready', 'out-for-delivery',
    'delivered', 'completed', 'cancelled', 'rejected', 'on-hold'];
  // What the admin may set (API.md 7.3), and the counts the dashboard reports (7.1).
  const SETTABLE_STATUSES = ['pending', 'confirmed', 'preparing', 'ready', 'delivered', 'cancelled'];
  const DASHBOARD_STATUSES = SETTABLE_STATUSES;
  const VIEWS = ['login', 'dashboard', 'orders', 'order', 'refunds', 'staff', 'drivers'];
  const PAGE_SIZE = 20;

  const $ = (id) => document.getElementById(id);

  // --- small DOM helpers: text only, never HTML from the API ----------------------------------------

  function el(tag, props = {}, ...children) {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(props)) {
      if (value === undefined || value === null || value === false) continue;
      if (key === 'class') node.className = value;
      else if (key === 'text') node.textContent = value;
      else if (key.startsWith('on')) node.addEventListener(key.slice(2), value);
      else node.setAttribute(key, value === true ? '' : value);
    }
    for (const child of children) {
      if (child === undefined || child === null) continue;
      node.append(child instanceof Node ? child : String(child));
    }
    return node;
  }

  function money(value) {
    if (value === undefined || value === null || value === '') return '—';
    const number = Number(value);
    return Number.isFinite(number) ? `AED ${number.toFixed(2)}` : String(value);
  }

  function count(value) {
    return value === undefined || value === null ? '0' : String(value);
  }

  function when(value) {
    if (!value) return '—';
    const date = new Date(value);
    if (Number.isNaN(date.getTime())) return String(value);
    return date.toLocaleString('en-GB', { dateStyle: 'medium', timeStyle: 'short' });
  }

  function badge(value) {
    const text = value || 'none';
    return el('span', { class: `badge status-${String(text).replace(/[^a-z_-]/gi, '')}`, text });
  }

  function orderLink(id, label) {
    return id ? el('a', { href: `#/orders/${encodeURIComponent(id)}`, text: label || id }) : (label || '—');
  }

  /** A customer as name over email; a bare id or name as it came. */
  function person(value) {
    if (!value) return '—';
    if (typeof value === 'string') return value;
    if (!value.name || !value.email) return value.name || value.email || '—';
    return el('span', { class: 'person' }, value.name, el('small', { text: value.email }));
  }

  function dateCell(value) {
    return el('td', { class: 'nowrap', text: when(value) });
  }

  function fillRows(tbody, rows, columns, emptyText) {
    tbody.replaceChildren();
    if (!rows.length) {
      tbody.append(el('tr', {}, el('td', { colspan: columns, class: 'empty', text: emptyText })));
      return;
    }
    for (const row of rows) tbody.append(row);
  }

  function cells(...values) {
    return values.map((value) => (value instanceof Node && value.tagName === 'TD' ? value : el('td', {}, value)));
  }

  function numCell(text) {
    return el('td', { class: 'num', text });
  }

  /** A definition list whose values are labelled by their terms, so they are found by label. */
  function fillFacts(list, facts) {
    list.replaceChildren();
    facts.forEach(([label, value], index) => {
      const id = `${list.id}-${index}`;
      list.append(el('dt', { id, text: label }), el('dd', { 'aria-labelledby': id }, value ?? '—'));
    });
  }

  // --- messages -------------------------------------------------------------------------------------

  function clearMessages() {
    $('flash').hidden = true;
    $('alert').hidden = true;
  }

  function flash(message) {
    $('alert').hidden = true;
    $('flash').textContent = message;
    $('flash').hidden = false;
  }

  function alertError(message) {
    $('flash').hidden = true;
    $('alert').textContent = message;
    $('alert').hidden = false;
  }

  // --- the API --------------------------------------------------------------------------------------

  class ApiError extends Error {
    constructor(status, message) {
      super(message);
      this.status = status;
    }
  }

  /** The wire's message: `message`, else `error.message`, else the first `errors` entry (API.md 8.1). */
  function messageOf(body) {
    if (!body || typeof body !== 'object') return null;
    if (typeof body.message === 'string' && body.message) return body.message;
    if (body.error && typeof body.error === 'object' && body.error.message) return body.error.message;
    if (typeof body.error === 'string' && body.error) return body.error;
    if (Array.isArray(body.errors) && body.errors.length) {
      const first = body.errors[0];
      return first.msg || first.message || null;
    }
    return null;
  }

  /** Hydrated documents arrive as `{$__, _doc, …}` with their fields under `_doc` (API.md 8.2). */
  function unwrap(value) {
    if (Array.isArray(value)) return value.map(unwrap);
    if (value && typeof value === 'object') {
      if (value._doc && typeof value._doc === 'object') return unwrap(value._doc);
      return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, unwrap(item)]));
    }
    return value;
  }

  function token() {
    return localStorage.getItem('adminToken');
  }

  async function api(method, path, body) {
    const headers = { Accept: 'application/json' };
    const bearer = token();
    if (bearer) headers.Authorization = `Bearer ${bearer}`;
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    let response;
    try {
      response = await fetch(API_BASE + path, {
        method, headers, body: body === undefined ? undefined : JSON.stringify(body),
      });
    } catch (error) {
      throw new ApiError(0, `Cannot reach the server at ${API_BASE}`);
    }
    const data = await response.json().catch(() => null);
    if (!response.ok) {
      if (response.status === 401 && bearer && path !== '/api/auth/admin-login') {
        endSession('Your session has ended. Sign in again.');
      }
      throw new ApiError(response.status, messageOf(data) || `${method} ${path} answered ${response.status}`);
    }
    return unwrap(data) || {};
  }

  // --- busy state: <main aria-busy> is true while anything loads ---------------------------------------

  let loading = 0;

  async function busy(task) {
    loading += 1;
    $('main').setAttribute('aria-busy', 'true');
    try {
      return await task();
    } catch (error) {
      if (error instanceof ApiError && error.status === 401 && !token()) return undefined;
      alertError(error.message || String(error));
      return undefined;
    } finally {
      loading -= 1;
      if (!loading) $('main').setAttribute('aria-busy', 'false');
    }
  }

  // --- session --------------------------------------------------------------------------------------

  function showSignedIn(signedIn) {
    $('nav').hidden = !signedIn;
    $('session').hidden = !signedIn;
    if (signedIn) {
      const user = JSON.parse(localStorage.getItem('adminUser') || '{}');
      $('who').textContent = user.email || '';
    }
  }

  function endSession(message) {
    localStorage.removeItem('adminToken');
    localStorage.removeItem('adminUser');
    showSignedIn(false);
    showView('login');
    if (message) showLoginError(message);
  }

  function showLoginError(message) {
    $('login-error').textContent = message;
    $('login-error').hidden = false;
  }

  async function signIn(event) {
    event.preventDefault();
    $('login-error').hidden = true;
    const email = $('login-email').value.trim();
    const password = $('login-password').value;
    if (!email || !password) {
      showLoginError('Enter your email and password.');
      return;
    }
    const button = event.submitter || $('login-form').querySelector('button');
    button.disabled = true;
    try {
      const body = await api('POST', '/api/auth/admin-login', { email, password });
      const data = body.data || {};
      if (!data.token) throw new ApiError(0, 'The server answered without a token.');
      localStorage.setItem('adminToken', data.token);
      localStorage.setItem('adminUser', JSON.stringify({ name: data.user?.name, email: data.user?.email }));
      $('login-form').reset();
      if (location.hash === '#/dashboard') route();
      else location.hash = '#/dashboard';
    } catch (error) {
      showLoginError(error.message);
    } finally {
      button.disabled = false;
    }
  }

  async function signOut() {
    try {
      await api('POST', '/api/auth/logout');
    } catch (error) {
      // Signing out locally is what matters; the token is dropped either way.
    }
    endSession();
    flash('Signed out.');
  }

  // --- routing --------------------------------------------------------------------------------------

  function showView(view) {
    for (const name of VIEWS) $(`${name}-view`).hidden = name !== view;
    const section = view === 'order' ? 'orders' : view;
    for (const link of $('nav').querySelectorAll('a')) {
      if (link.dataset.section === section) link.setAttribute('aria-current', 'page');
      else link.removeAttribute('aria-current');
    }
  }

  const LOADERS = {
    dashboard: () => loadDashboard(),
    orders: () => loadOrders(),
    refunds: () => loadRefunds(),
    staff: () => loadStaff(),
    drivers: () => loadDrivers(),
  };

  function route() {
    clearMessages();
    if (!token()) {
      showSignedIn(false);
      showView('login');
      $('login-email').focus();
      return;
    }
    showSignedIn(true);
    const [section = 'dashboard', id] = location.hash.replace(/^#\/?/, '').split('/').filter(Boolean);
    if (section === 'orders' && id) {
      showView('order');
      busy(() => loadOrder(decodeURIComponent(id)));
      return;
    }
    if (!LOADERS[section]) {
      location.hash = '#/dashboard';
      return;
    }
    showView(section);
    busy(LOADERS[section]);
  }

  // --- dashboard ------------------------------------------------------------------------------------

  let chart = null;

  async function loadDashboard() {
    // The server caches the dashboard per URL for 60 s (API.md 7.2); an admin who has just acted wants
    // the current figures, so each load asks with a URL of its own.
    const body = await api('GET', `/api/analytics/admin/dashboard?t=${Date.now()}`);
    const data = body.data || {};
    for (const node of $('dashboard-view').querySelectorAll('[data-field]')) {
      const value = data[node.dataset.field];
      node.textContent = node.hasAttribute('data-money') ? money(value ?? 0) : count(value);
    }
    $('fig-growth').textContent = `${data.growthRate ?? 0}%`;  // API.md 7.1: 0 when absent

    const stats = data.orderStats || {};
    fillRows($('status-counts'), DASHBOARD_STATUSES.map((status) => {
      const id = `count-${status}`;
      return el('tr', {}, el('th', { scope: 'row', id }, badge(status)),
        el('td', { class: 'num', 'aria-labelledby': id, text: count(stats[status]) }));
    }), 2, '');

    const revenue = data.revenueData || {};
    const labels = revenue.labels || [];
    const values = revenue.values || [];
    fillRows($('revenue-rows'), labels.map((label, index) => el('tr', {},
      el('th', { scope: 'row', text: label }), numCell(money(values[index] ?? 0)))), 2, 'No revenue yet.');
    drawChart(labels, values);

    const recent = data.recentOrders || [];
    fillRows($('recent-orders'), recent.map((order) => el('tr', {}, ...cells(
      orderLink(order._id || order.id, order.orderNumber), person(order.user || order.guestInfo),
      badge(order.status), numCell(money(order.totalAmount)), dateCell(order.createdAt),
    ))), 5, 'No orders yet.');
  }

  function drawChart(labels, values) {
    const canvas = $('revenue-chart');
    if (typeof window.Chart !== 'function') {
      canvas.hidden = true;
      $('chart-note').hidden = false;
      return;
    }
    canvas.hidden = false;
    $('chart-note').hidden = true;
    if (chart) chart.destroy();
    chart = new window.Chart(canvas, {
      type: 'bar',
      data: { labels, datasets: [{ label: 'Revenue (AED)', data: values, backgroundColor: '#8a5a35' }] },
      options: { animation: false, plugins: { legend: { display: false } } },
    });
  }

  // --- orders ---------------------------------------------------------------------------------------

  const ordersState = { page: 1, request: 0 };

  async function loadOrders() {
    const params = new URLSearchParams({ page: String(ordersState.page), limit: String(PAGE_SIZE) });
    const status = $('filter-status').value;
    if (status) params.set('status', status);
    const search = $('filter-search').value.trim();
    if (search) params.set('search', search);
    // Filters can change while a list loads; only the latest request may draw the table.
    ordersState.request += 1;
    const request = ordersState.request;
    const body = await api('GET', `/api/admin/orders?${params}`);
    if (request !== ordersState.request) return;
    const data = body.data || {};
    const orders = data.orders || [];
    const page = data.pagination || {};
    fillRows($('orders-rows'), orders.map((order) => el('tr', {}, ...cells(
      orderLink(order._id || order.id, order.orderNumber), dateCell(order.createdAt), badge(order.status),
      badge(order.paymentStatus), order.paymentMethod || '—', order.deliveryMethod || '—',
      numCell(money(order.totalAmount)),
    ))), 7, 'No orders match these filters.');
    const pages = Math.max(page.totalPages || 0, 1);
    $('orders-page').textContent = `Page ${page.currentPage || 1} of ${pages} · ${count(page.totalOrders)} orders`;
    $('orders-prev').disabled = !page.hasPrevPage;
    $('orders-next').disabled = !page.hasNextPage;
  }

  function applyOrderFilters(event) {
    if (event) event.preventDefault();
    clearMessages();
    ordersState.page = 1;
    busy(loadOrders);
  }

  function turnPage(step) {
    ordersState.page = Math.max(1, ordersState.page + step);
    busy(loadOrders);
  }

  // --- one order: details, status change, refunds ---------------------------------------------------

  let currentOrder = null;

  async function loadOrder(id) {
    const [body, refunds] = await Promise.all([
      api('GET', `/api/admin/orders/${encodeURIComponent(id)}`),
      refundStatus(id),
    ]);
    const order = body.data || {};
    currentOrder = order;
    $('order-title').textContent = `Order ${order.orderNumber || id}`;
    $('order-status-badge').replaceChildren(badge(order.status));

    const cancellation = order.cancellation || {};
    fillFacts($('order-facts'), [
      ['Status', order.status],
      ['Payment status', order.paymentStatus],
      ['Payment method', order.paymentMethod],
      ['Fulfilment', order.deliveryMethod],
      ['Total', money(order.totalAmount)],
      ['Placed', when(order.createdAt)],
      ['Last update', when(order.updatedAt)],
      ['Cancellation', cancellation.status && cancellation.status !== 'none' ? cancellation.status : 'none'],
    ]);

    const customer = order.user && typeof order.user === 'object' ? order.user : (order.guestInfo || {});
    const address = order.deliveryAddress || {};
    fillFacts($('order-customer'), [
      ['Customer', customer.name],
      ['Email', customer.email],
      ['Phone', customer.phone],
      ['Address', [address.street, address.city, address.state, address.country].filter(Boolean).join(', ') || null],
      ['Instructions', address.instructions],
      ['Notes', order.notes],
    ]);

    fillRows($('order-items'), (order.items || []).map((item) => el('tr', {}, ...cells(
      item.name || '—', item.selectedSize || '—', numCell(count(item.quantity)),
      numCell(money(item.price)), numCell(money(item.subtotal)),
    ))), 5, 'No items.');

    const select = $('status-select');
    select.replaceChildren(el('option', { value: '', text: 'Choose a status', disabled: true }),
      ...SETTABLE_STATUSES.map((status) => el('option', { value: status, text: status })));
    select.value = SETTABLE_STATUSES.includes(order.status) ? order.status : '';

    renderRefunds(refunds);
  }

  /** The order's refund figures; a backend without the endpoint (404) still shows the order. */
  async function refundStatus(id) {
    try {
      return await api('GET', `/api/orders/${encodeURIComponent(id)}/refund-status`);
    } catch (error) {
      if (error.status === 401) throw error;
      return { unavailable: error.message };
    }
  }

  function renderRefunds(info) {
    const note = $('refund-summary-note');
    if (info.unavailable) {
      $('refund-summary').replaceChildren();
      note.textContent = `Refund status unavailable: ${info.unavailable}`;
      note.hidden = false;
      fillRows($('order-refunds'), [], 5, 'No refunds.');
      return;
    }
    note.hidden = true;
    fillFacts($('refund-summary'), [
      ['Amount paid', money(info.amountPaid ?? 0)],
      ['Refunded', money(info.refundedTotal ?? 0)],
      ['Remaining', money(info.remaining ?? 0)],
    ]);
    fillRows($('order-refunds'), (info.refunds || []).map((refund) => el('tr', {}, ...cells(
      dateCell(refund.createdAt), refund.type || '—', numCell(money(refund.amount)), badge(refund.status),
      refund.reason || '—',
    ))), 5, 'No refunds.');
  }

  async function changeStatus(event) {
    event.preventDefault();
    clearMessages();
    const status = $('status-select').value;
    if (!currentOrder) return;
    if (!status) {
      alertError('Choose a status first.');
      return;
    }
    const order = currentOrder;
    await busy(async () => {
      const body = await api('PUT', `/api/admin/orders/${order._id}/status`, { status });
      await loadOrder(order._id);
      flash(`Order ${order.orderNumber} is now ${currentOrder.status} (${body.message || 'updated'}).`);
    });
  }

  function syncRefundForm() {
    const full = $('refund-type').value === 'full';
    $('refund-amount').disabled = full;
    if (full) $('refund-amount').value = '';
  }

  async function issueRefund(event) {
    event.preventDefault();
    clearMessages();
    if (!currentOrder) return;
    const type = $('refund-type').value;
    const reason = $('refund-reason').value.trim();
    const amountText = $('refund-amount').value.trim();
    const body = { type, reason };
    if (type !== 'full' && amountText) body.amount = Number(amountText);
    if (type === 'partial' && !amountText) {
      alertError('Enter the amount to refund.');
      return;
    }
    if (!reason) {
      alertError('Enter the reason for the refund.');
      return;
    }
    const order = currentOrder;
    await busy(async () => {
      const answer = await api('POST', `/api/orders/${order._id}/refund`, body);
      const refund = answer.refund || {};
      $('refund-form').reset();
      syncRefundForm();
      await loadOrder(order._id);
      const what = `Refund of ${money(refund.amount)} on ${order.orderNumber}`;
      // A failed refund is recorded (and listed for retry) but no money moved: that is no success.
      if (refund.status === 'failed') alertError(`${what}: failed at the payment provider; listed for retry.`);
      else flash(`${what}: ${refund.status || 'recorded'}.`);
    });
  }

  // --- refunds: cancellation requests and the refund history (CANCELLATION.md 8) ---------------------

  async function loadRefunds() {
    await Promise.all([loadRequests(), loadHistory()]);
  }

  async function loadRequests() {
    const status = $('requests-status').value;
    const tbody = $('requests-rows');
    let body;
    try {
      body = await api('GET', `/api/orders/cancellation-requests?status=${encodeURIComponent(status)}`);
    } catch (error) {
      fillRows(tbody, [], 6, error.status === 404
        ? `This server has no cancellation requests endpoint (${error.message}).`
        : 'The cancellation requests could not be loaded.');
      if (error.status !== 404) throw error;
      return;
    }
    const requests = body.requests || [];
    fillRows(tbody, requests.map((request) => el('tr', {}, ...cells(
      orderLink(request.orderId, request.orderNumber), person(request.customer), badge(request.orderStatus),
      el('td', { class: 'reason', text: request.reason || '—' }), when(request.requestedAt), decisionCell(request),
    ))), 6, status === 'requested' ? 'No open requests.' : `No ${status} requests.`);
  }

  function decisionCell(request) {
    if (request.status !== 'requested') {
      return el('td', {}, badge(request.status), ' ', when(request.processedAt));
    }
    const notes = el('input', { type: 'text', 'aria-label': 'Admin notes', placeholder: 'Notes' });
    const decide = (decision) => async () => {
      clearMessages();
      await busy(async () => {
        const adminNotes = notes.value.trim();
        const answer = await api('PUT',
          `/api/orders/${request.orderId}/cancellation-requests/${request.id}`,
          adminNotes ? { decision, adminNotes } : { decision });
        await loadRefunds();
        const done = decision === 'approve' ? 'approved' : 'denied';
        const refund = answer.refund ? `; refund ${money(answer.refund.amount)}` : '';
        flash(`Cancellation of ${request.orderNumber || request.orderId} ${done}${refund}.`);
      });
    };
    return el('td', {}, el('div', { class: 'actions' }, notes,
      el('button', { type: 'button', onclick: decide('approve'), text: 'Approve' }),
      el('button', { type: 'button', class: 'danger', onclick: decide('deny'), text: 'Deny' })));
  }

  async function loadHistory() {
    const tbody = $('history-rows');
    let body;
    try {
      body = await api('GET', '/api/refunds');
    } catch (error) {
      fillRows(tbody, [], 6, error.status === 404
        ? `This server has no refunds endpoint (${error.message}).`
        : 'The refund history could not be loaded.');
      $('history-total').textContent = '';
      if (error.status !== 404) throw error;
      return;
    }
    const refunds = body.refunds || [];
    fillRows(tbody, refunds.map((refund) => el('tr', {}, ...cells(
      dateCell(refund.createdAt), orderLink(refund.orderId, refund.orderNumber), refund.type || '—',
      numCell(money(refund.amount)), badge(refund.status), refund.reason || '—',
    ))), 6, 'No refunds yet.');
    const total = body.total ?? refunds.length;
    $('history-total').textContent = `${count(total)} ${total === 1 ? 'refund' : 'refunds'}`;
  }

  // --- staff and drivers ----------------------------------------------------------------------------

  async function loadStaff() {
    // Staff and driver lists are cached per URL (API.md 7.2); a URL of its own shows new people at once.
    const body = await api('GET', `/api/admin/staff?t=${Date.now()}`);
    fillRows($('staff-rows'), (body.staff || []).map((member) => el('tr', {}, ...cells(
      member.employeeId || '—', member.name || '—', member.role || '—', badge(member.status),
      member.email || '—', member.phone || '—',
    ))), 6, 'No staff yet.');
  }

  async function loadDrivers() {
    const body = await api('GET', `/api/admin/drivers?t=${Date.now()}`);
    fillRows($('drivers-rows'), (body.drivers || []).map((driver) => {
      const vehicle = driver.vehicleInfo || {};
      const vehicleText = [vehicle.type || vehicle.vehicleType, vehicle.color || vehicle.vehicleColor,
        vehicle.plateNumber].filter(Boolean).join(' · ') || '—';
      return el('tr', {}, ...cells(driver.driverId || '—', driver.name || '—', badge(driver.status), vehicleText,
        driver.phone || '—', driver.isActive === false ? 'no' : 'yes'));
    }), 6, 'No drivers yet.');
  }

  // --- start ----------------------------------------------------------------------------------------

  function start() {
    $('filter-status').append(...ALL_STATUSES.map((status) => el('option', { value: status, text: status })));
    $('login-form').addEventListener('submit', signIn);
    $('sign-out').addEventListener('click', signOut);
    $('dashboard-refresh').addEventListener('click', () => { clearMessages(); busy(loadDashboard); });
    $('orders-filter').addEventListener('submit', applyOrderFilters);
    $('filter-status').addEventListener('change', () => applyOrderFilters());
    $('orders-prev').addEventListener('click', () => turnPage(-1));
    $('orders-next').addEventListener('click', () => turnPage(1));
    $('status-form').addEventListener('submit', changeStatus);
    $('refund-type').addEventListener('change', syncRefundForm);
    $('refund-form').addEventListener('submit', issueRefund);
    $('requests-status').addEventListener('change', () => { clearMessages(); busy(loadRequests); });
    // A click on the section already shown loads it again (the hash does not change, so no hashchange).
    for (const link of $('nav').querySelectorAll('a')) {
      link.addEventListener('click', () => { if (link.getAttribute('href') === location.hash) route(); });
    }
    window.addEventListener('hashchange', route);
    route();
  }

  start();
})();
