"""Users and their API tokens: the one place that adds, changes and disables them.

The command line, the admin pages, the user's own page, the demo and the soak all come
here, so each rule is written once:
- a role is one of ROLES; a supervisor or viewer needs an office (the subtree they may see);
- a username is unique, 1 to MAX_USERNAME characters; a password has at least MIN_PASSWORD
  characters (only the first MAX_PASSWORD count, as at login);
- a phone is stored in E.164, an e-mail address must look like one (both optional: where
  alerts are sent).

A refused change raises AccountError(field, message, **params): `message` is English with
%(name)s placeholders, the dashboards show it translated (their catalogue extracts this
file), `str()` gives it filled in for the command line. Callers hold the write transaction
and record the audit entry: who acted and how differs between them.
"""

import phonenumbers

from server import auth
from server.timeutil import now_stored

ROLES = ("admin", "supervisor", "viewer")
MIN_PASSWORD = 8
MAX_PASSWORD = 1000
MAX_USERNAME = 64
MAX_EMAIL = 254


def N_(message):
    """Marks a text for the dashboards' catalogue; it is translated where it is shown."""
    return message


class AccountError(ValueError):
    def __init__(self, field, message, **params):
        super().__init__(message % params if params else message)
        self.field = field
        self.message = message
        self.params = params


def check_password(password):
    if len(password or "") < MIN_PASSWORD:
        raise AccountError("password", N_("The password must have at least 8 characters."))


def check_role(role, office_id):
    if role not in ROLES:
        raise AccountError("role", N_("Choose a role."))
    if role != "admin" and office_id is None:
        raise AccountError("office", N_("A supervisor or viewer needs an office: the subtree they may see."))


def contacts(phone, email):
    """(phone in E.164 or None, e-mail or None) from what was typed, or AccountError."""
    phone = (phone or "").strip() or None
    if phone:
        try:
            number = phonenumbers.parse(phone, "VN")
        except phonenumbers.NumberParseException:
            number = None
        if number is None or not phonenumbers.is_valid_number(number):
            raise AccountError("phone", N_("%(phone)s is not a valid phone number."), phone=phone)
        phone = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    email = (email or "").strip() or None
    if email and ("@" not in email or " " in email or len(email) > MAX_EMAIL):
        raise AccountError("email", N_("%(email)s is not an e-mail address."), email=email)
    return phone, email


def add_user(db, username, role, office_id, password, phone=None, email=None):
    """Add a user; returns its id. `office_id` is the scope (None: the whole province)."""
    username = (username or "").strip()
    if not username or len(username) > MAX_USERNAME:
        raise AccountError("username", N_("A username is needed (at most 64 characters)."))
    check_password(password)
    if db.execute("SELECT 1 FROM users WHERE username = ?", [username]).fetchone():
        raise AccountError("username", N_("User %(name)s already exists."), name=username)
    check_role(role, office_id)
    phone, email = contacts(phone, email)
    return db["users"].insert({"username": username, "role": role, "office_id": office_id, "phone": phone,
                               "email": email, "password_hash": _hash(password),
                               "created_at": now_stored()}).last_pk


def update_user(db, user_id, role, office_id, phone, email, disabled, password=None):
    """Change a user's role, scope, contacts, disabled flag and (if given) password; returns
    the names of what changed ("password" included)."""
    before = user(db, user_id)
    check_role(role, office_id)
    phone, email = contacts(phone, email)
    changes = {"role": role, "office_id": office_id, "phone": phone, "email": email, "disabled": 1 if disabled else 0}
    if password:
        check_password(password)
        changes["password_hash"] = _hash(password)
    db["users"].update(user_id, changes)
    changed = [name for name in ("role", "office_id", "phone", "email", "disabled") if before[name] != changes[name]]
    return changed + (["password"] if password else [])


def set_password(db, user_id, password):
    check_password(password)
    db["users"].update(user_id, {"password_hash": _hash(password)})


USER_FIELDS = ("id", "username", "role", "office_id", "phone", "email", "disabled", "created_at")


def user(db, user_id=None, username=None, active_only=False):
    """A user's row (without the password hash) by id or name, or None."""
    column, value = ("id", user_id) if user_id is not None else ("username", username)
    active = " AND disabled = 0" if active_only else ""
    row = db.execute(f"SELECT {', '.join(USER_FIELDS)} FROM users WHERE {column} = ?{active}", [value]).fetchone()
    return dict(zip(USER_FIELDS, row, strict=True)) if row else None


def create_token(db, user_id):
    """A new API token for the user: (token id, the token, to be shown once)."""
    token = auth.new_token(auth.USER_PREFIX)
    token_id = db["api_tokens"].insert({"user_id": user_id, "token_hash": auth.token_hash(token),
                                        "created_at": now_stored()}).last_pk
    return token_id, token


def revoke_token(db, token_id):
    """Revoke a token: its next request gets 401. Returns whether it was live."""
    return db.execute("UPDATE api_tokens SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL",
                      [now_stored(), token_id]).rowcount == 1


def _hash(password):
    return auth.hash_password(password[:MAX_PASSWORD])
