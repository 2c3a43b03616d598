"""What every domain shares: halls, windows, staff, accounts, settings and the job queue."""
