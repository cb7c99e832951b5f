"""Use cases: one async function per command, each one transaction."""
