"""Volunteering's storage: ``models`` (the tables), ``operations`` (the coordinator's changes,
signing up), ``messages`` (what the outbox carries, the reminders), ``reads`` (what the screens
read), ``moves`` (a shift moved), ``hours`` (check-in and hours) and ``records`` (totals,
certificates)."""
