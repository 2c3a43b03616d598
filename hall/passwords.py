"""What a password must be: long, not a number, not the username, not one every password
list starts with. A pure rule; hall/accounts.py applies it wherever a password is set."""

from __future__ import annotations

MIN_LENGTH = 10
# The head of the leaked-password lists, and their local favourites, as far as they reach
# the minimum length: a guesser tries these first.
COMMON = frozenset(
    {
        "123456789a",
        "1234567890a",
        "a123456789",
        "abc1234567",
        "abcd123456",
        "password123",
        "password1234",
        "passw0rd123",
        "qwerty1234",
        "qwertyuiop",
        "qwerty123456",
        "1qaz2wsx3edc",
        "1q2w3e4r5t",
        "iloveyou123",
        "admin12345",
        "admin123456",
        "woaini1314",
        "woaini520520",
        "aaaaaaaaaa",
        "zxcvbnm123",
    }
)


def password_problem(password: str, *, username: str) -> str | None:
    """Why `password` may not be used for `username` (a Chinese message), or None."""
    if len(password) < MIN_LENGTH:
        return "密码至少需要 {length} 个字符"
    if password.isdigit():
        return "密码不能全是数字"
    if password.casefold() == username.casefold():
        return "密码不能与用户名相同"
    if password.casefold() in COMMON:
        return "这个密码太常见，容易被猜到，请换一个"
    return None
