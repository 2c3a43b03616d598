"""Complaints (投诉): tickets, reply deadlines on the working-day calendar, extensions,
reminders, confidentiality. Built in issue 6."""
