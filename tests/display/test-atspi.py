#!/usr/bin/python3
# test-atspi.py: the workstation as assistive technologies see it (AT-SPI, dogtail)
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Starts the real `chevet` on a workspace made by `chevet-cli`, then, through the
# accessibility bus only (no coordinates): unlocks, finds the search entry and the
# patient list by accessible name, searches, opens a chart and finds its sections by
# name. Run inside dbus-run-session under Xvfb (meson does, via run-tests.sh).
# Speaks TAP.
import os
import subprocess
import sys
import tempfile
import time

CLI = os.environ.get("CHEVET_CLI")
APP = os.environ.get("CHEVET_APP")
SECTIONS = ["Summary", "Problems", "Medications", "Vitals & Labs", "Encounters",
            "Notes & Reports", "Immunizations & Procedures"]

print("1..1")
if not CLI or not APP or not os.environ.get("DBUS_SESSION_BUS_ADDRESS") or not os.environ.get("DISPLAY"):
    print("ok 1 # SKIP needs CHEVET_CLI, CHEVET_APP, a display and a D-Bus session")
    sys.exit(0)
try:
    from dogtail import config
    config.config.checkForA11y = False  # GTK 4 always exports; the GNOME key is not needed
    config.config.searchCutoffCount = 40
    config.config.defaultDelay = 0.1
    config.config.logDebugToFile = False
    config.config.logDebugToStdOut = False
    from dogtail import tree
    from gi.repository import GLib
except ImportError as e:
    print("ok 1 # SKIP dogtail is not installed (%s)" % e)
    sys.exit(0)


LOG = None


def fail(message):
    print("not ok 1 /atspi/find-search-list-sections # " + message)
    if LOG and os.path.exists(LOG):
        for line in open(LOG).read().splitlines()[-20:]:
            print("# app: " + line)
    sys.exit(1)


def find(app, role, name, timeout=20):
    deadline = time.time() + timeout
    while time.time() < deadline:
        found = app.findChildren(lambda n: n.roleName == role and n.name == name, recursive=True)
        if found:
            return found[0]
        time.sleep(0.2)
    fail("no %s named %r" % (role, name))


with tempfile.TemporaryDirectory() as tmp:
    ws = os.path.join(tmp, "clinic")
    passfile = os.path.join(tmp, "pass")
    ndjson = os.path.join(tmp, "clinic.ndjson")
    with open(passfile, "w") as f:
        f.write("atspi-passphrase\n")
    quiet = dict(stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
    subprocess.run([CLI, "init", "--workspace", ws, "--account", "amara", "--passphrase-file", passfile], **quiet)
    subprocess.run([CLI, "generate", "--patients", "40", "--seed", "5", "--reference-date", "2026-01-15",
                    "--output", ndjson], **quiet)
    subprocess.run([CLI, "import", "--workspace", ws, "--account", "amara", "--passphrase-file", passfile, ndjson],
                   **quiet)
    listing = subprocess.run([CLI, "patients", "--workspace", ws, "--account", "amara", "--passphrase-file",
                              passfile, "--limit", "1"], capture_output=True, text=True, check=True).stdout
    patient_id, display_name = listing.split("\t")[0:2]
    family = display_name.split(",")[0]

    env = dict(os.environ, GTK_A11Y="atspi")
    env.pop("NO_AT_BRIDGE", None)
    LOG = os.path.join(tmp, "app.log")
    app_log = open(LOG, "w")
    app_proc = subprocess.Popen([APP, "--workspace", ws], env=env, stderr=app_log)
    try:
        app = None
        deadline = time.time() + 30
        while app is None and time.time() < deadline:
            try:
                app = tree.root.application("chevet")
            except Exception:
                time.sleep(0.3)
        if app is None:
            fail("the application never appeared on the accessibility bus")

        account = app.findChild(lambda n: n.roleName == "text" and n.name.startswith("Account"))
        account.text = "amara"
        passphrase = app.findChild(lambda n: n.roleName == "text" and n.name.startswith("Passphrase"))
        passphrase.text = "atspi-passphrase"
        find(app, "push button", "Unlock").doActionNamed("click")

        search = find(app, "entry", "Search patients")
        patients = find(app, "list", "Patients")
        deadline = time.time() + 20
        while len(patients.children) == 0 and time.time() < deadline:
            time.sleep(0.2)
        if len(patients.children) == 0:
            fail("the patient list stays empty after unlock")

        search.text = family
        deadline = time.time() + 20
        row = None
        while row is None and time.time() < deadline:
            # Rows are recycled as results arrive: an object can vanish while being read.
            try:
                # A row draws its own text: its name is on the row or a descendant.
                rows = [r for r in patients.children if family.upper() in (r.name or "").upper()
                        or any(family.upper() in (c.name or "").upper()
                               for c in r.findChildren(lambda n: True, recursive=True))]
                row = rows[0] if rows else None
            except GLib.Error:
                row = None
            time.sleep(0.2)
        if row is None:
            fail("searching the family name finds no row naming that patient")
        # Enter in the search entry opens the first patient shown: its "activate" action.
        search.doActionNamed("activate")

        for section in SECTIONS:
            node = None
            deadline = time.time() + 20
            while node is None and time.time() < deadline:
                try:
                    found = app.findChildren(lambda n, s=section: (n.name or "").strip() == s or
                                             (n.name or "").startswith(s + " "), recursive=True)
                except GLib.Error:
                    found = []
                node = found[0] if found else None
                if node is None:
                    time.sleep(0.2)
            if node is None:
                fail("no chart section named %r" % section)
        print("ok 1 /atspi/find-search-list-sections")
    finally:
        app_proc.terminate()
        app_proc.wait(timeout=10)
