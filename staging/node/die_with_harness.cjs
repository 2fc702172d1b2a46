'use strict';
// Preloaded into every Node process the harness starts (npm and the server it spawns).
//
// The harness stops the whole process group on teardown; this covers the one case it cannot: the harness
// itself killed with SIGKILL. The server then gets SIGTERM (a clean shutdown) once ALMARYA_HARNESS_PID
// is gone, within about a second. The timer is unref'd, so it never keeps a process alive.

const harness = Number(process.env.ALMARYA_HARNESS_PID);

if (Number.isInteger(harness) && harness > 1) {
  const watch = setInterval(() => {
    try {
      process.kill(harness, 0);
    } catch (error) {
      if (error.code === 'ESRCH') {
        clearInterval(watch);
        process.kill(process.pid, 'SIGTERM');
      }
    }
  }, 1000);
  watch.unref();
}
