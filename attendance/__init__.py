"""Attendance (考勤): punches, timetables, the working-day calendar, verdicts (迟到, 早退, 脱岗,
缺卡, 旷工), leave and make-up punch (补卡) requests, month close. Built in issue 3."""
