"""The read side: keyset pages, counts and DataLoader batch functions."""
