"""Fakes of the third parties the backend talks to: Stripe, the Firebase Auth emulator, an SMTP server."""
