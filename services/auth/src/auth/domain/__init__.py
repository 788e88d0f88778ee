"""Rules of accounts and identity, free of I/O."""
