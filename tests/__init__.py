"""Tests mirror the packages of qa/ (and ui/ for the app); e2e drives the running app."""
