"""Services: every write with domain rules goes through here (full_clean, then save, atomically)."""
