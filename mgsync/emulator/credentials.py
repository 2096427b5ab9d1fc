"""SMTP credentials: ``/v3/domains/{d}/credentials[/{login}]`` (mailgun-api.md §9). Bare logins are
stored as ``login@domain``; passwords (5–32 chars) are kept only as hashes and never returned, except
once when Mailgun generates one.
"""

from __future__ import annotations

import os
from typing import Any

from mgsync.emulator import records
from mgsync.emulator.domains import find_domain
from mgsync.emulator.paging import skip_limit_page
from mgsync.emulator.store import Store, Table
from mgsync.emulator.wire import GO, Endpoint, HttpError, Request

NOT_FOUND = "Credentials not found"
NOTE = "Please store your new password(s) now. You won't be able to see it anymore."


def _table(store: Store, req: Request) -> tuple[dict[str, Any], Table]:
    rec = find_domain(store, req.params[0])
    return rec, store.credentials[rec["name"]]


def _full(login: str, domain: str) -> str:
    login = login.strip()
    if "@" not in login:
        return f"{login}@{domain}"
    if login.rpartition("@")[2].lower() != domain:
        raise HttpError(400, f"Login {login} must be in domain {domain}")
    return login


def _check(password: str) -> str:
    if not 5 <= len(password) <= 32:
        raise HttpError(400, "Password is too short. It must be between 5 and 32 characters.")
    return password


def _generated() -> str:
    raw = os.urandom(25).hex()
    return f"{raw[:32]}-{raw[32:40]}-{raw[40:48]}"


def list_credentials(store: Store, req: Request) -> dict[str, Any]:
    _, table = _table(store, req)
    rows = [records.public(table.rows[k]) for k in table.sorted_keys()]
    return skip_limit_page(rows, req, message="Limit parameter can't be larger than 1000")


def create_credentials(store: Store, req: Request) -> dict[str, Any]:
    rec, table = _table(store, req)
    logins = req.form.getall("login") or req.form.getall("mailbox") or req.query.getall("login")
    if not logins:
        raise HttpError(400, "Parameter 'login' is missing")
    passwords = [_check(p) for p in req.form.getall("password")]
    pairs = []
    for i, login in enumerate(logins):
        full = _full(login, rec["name"])
        if table.get(full) is not None:
            raise HttpError(400, f"Credentials for {full} already exist")
        pairs.append((full, passwords[i] if i < len(passwords) else None))
    generated = {}
    for full, password in pairs:
        if password is None:
            password = generated[full] = _generated()
        table.put(full, records.credential(store.clock(), full, password))
    out: dict[str, Any] = {"message": f"Created {len(pairs)} credentials pair(s)"}
    if generated:
        out.update(note=NOTE, credentials=generated)
    return out


def _find(table: Table, rec: dict[str, Any], login: str) -> tuple[str, dict[str, Any]]:
    full = _full(login, rec["name"])
    cred = table.get(full)
    if cred is None:
        raise HttpError(404, NOT_FOUND)
    return cred["login"], cred


def update_credential(store: Store, req: Request) -> dict[str, Any]:
    rec, table = _table(store, req)
    full, cred = _find(table, rec, req.params[1])
    password = req.arg("password")
    if password is not None:
        cred["_password"] = records.hash_password(_check(password))
        return {"message": "Password changed"}
    password = _generated()
    cred["_password"] = records.hash_password(password)
    return {"message": "Password changed", "note": NOTE, "credentials": {full: password}}


def delete_credential(store: Store, req: Request) -> dict[str, Any]:
    rec, table = _table(store, req)
    full, _ = _find(table, rec, req.params[1])
    table.pop(full)
    if rec["smtp_login"].lower() == full.lower():
        rec["smtp_login"] = ""  # as seen live after the postmaster login was deleted (§2.3)
    return {"message": "Credentials have been deleted", "spec": full}


def delete_all(store: Store, req: Request) -> dict[str, Any]:
    rec, table = _table(store, req)
    rec["smtp_login"] = ""
    return {"message": "All domain credentials have been deleted", "count": table.clear()}


ENDPOINTS = (
    Endpoint("GET", "/v3/domains/{name}/credentials", list_credentials, GO),
    Endpoint("POST", "/v3/domains/{name}/credentials", create_credentials, GO),
    Endpoint("DELETE", "/v3/domains/{name}/credentials", delete_all, GO),
    Endpoint("PUT", "/v3/domains/{name}/credentials/{login}", update_credential, GO),
    Endpoint("DELETE", "/v3/domains/{name}/credentials/{login}", delete_credential, GO),
)
