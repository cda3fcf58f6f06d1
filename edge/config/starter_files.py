"""The text of the files ``edge-gateway init`` writes, with their comments for people.

Kept apart from the code that fills them in, so that they read as the files will. ``$name``
placeholders are filled with TOML values (already quoted); see :mod:`edge.config.starter`.
"""

from __future__ import annotations

from string import Template

#: The admission policy of a new installation: the same settings as ``config/policy.toml``
#: (a test holds them equal), which is not inside the installed package.
POLICY_TOML = """\
# Admission policy. Edit, then reload without a restart:
#   kill -HUP <pid of edge-gateway>   or   POST /api/policy/reload (supervisor)
# A value outside its bounds is refused and the policy in force stays.

fever_threshold_c = 37.3        # at or above: DENY "fever 37.8 °C"
recheck_band_c = 0.3            # this far below the threshold: RECHECK "measure again"
implausible_below_c = 34.0      # outside [below, above]: RECHECK "implausible reading"
implausible_above_c = 43.0

# What each code colour means at this entrance: ADMIT, RECHECK or DENY.
green = "ADMIT"
yellow = "RECHECK"
red = "DENY"

# When a device is down: "deny" everyone, or "manual" (RECHECK: staff check by hand).
on_thermometer_down = "manual"
on_verifier_down = "manual"
"""

USERS_HEADER = """\
# Staff accounts of this gateway's page. One [[users]] table per person:
#   username       what they log in with
#   role           "staff" (sees lanes and decisions) or "supervisor" (also overrides a
#                  decision with a reason, and reloads the admission policy)
#   password_hash  never the password itself: make one with  edge-gateway hash-password
# The gateway reads this file at start-up; restart it after a change.
"""

USER_ENTRY = Template("""\
[[users]]
username = $username
role = $role
password_hash = $password_hash
""")

GATEWAY_TOML = Template("""\
# Gateway configuration, made by 'edge-gateway init'. Check it with:
#   edge-gateway check-config $config_path
# and run the gateway with:
#   edge-gateway run --config $config_path
# Relative paths are relative to this file's folder. Every key is described in the README
# and in config/gateway.example.toml in the source.

[gateway]
# letters, digits, - and _ ; unique in the district
id = $gateway_id
name = $name
data_dir = $data_dir$data_dir_pad# the database lives here; made at start-up

[storage]
retention_days = 14                 # resident ids and raw codes are purged after this; counts stay
synchronous = "FULL"                # FULL: a decision survives a power cut

[checkpoint]
policy_file = "policy.toml"         # the admission policy; reloaded on SIGHUP

[[checkpoint.lanes]]
id = $lane
name = $lane_name
pairing_window_s = 10               # a scan and a reading this close together are one person

$devices
# Health codes this gateway accepts. Public keys only: the key that signs passes and status
# lists is kept where passes are issued, not on the gateway.
[verifiers.community_pass]
public_keys = [$public_key]
status_list = "status-list.json"    # each pass's colour after issue; make a new one with
                                    # edge-gateway sign-status-list
status_list_signed = true           # only a list signed by one of public_keys is accepted

# EU Digital COVID Certificates (HC1:) too: name the trust list of signer certificates.
# [verifiers.eu_dcc]
# trust_lists = ["dcc-trust.json"]

[web]
host = $host
port = $port
users_file = "users.toml"           # staff accounts: [[users]] username, role, password_hash
session_secret_file = "session.key" # the key the page's sessions are kept by
""")

DEVICES_INTRO = """\
# The lane's thermometer and QR scanner on serial ports. Names under /dev/serial/by-id/
# (ls -l /dev/serial/by-id/) stay the same when a device is plugged into another socket.
"""

NO_DEVICE_NOTE = Template("""\
# No $kind given to 'edge-gateway init': remove the # from the lines below and set the port.
""")

THERMOMETER = Template("""\
$comment[[devices]]
${comment}id = $device_id
${comment}lane = $lane
${comment}kind = "thermometer"
${comment}transport = "serial"
${comment}# "ascii-braces" (lines like {36.7}) or "gy-mcu90614" (binary frames)
${comment}protocol = $protocol
${comment}port = $port
""")

SCANNER = Template("""\
$comment[[devices]]
${comment}id = $device_id
${comment}lane = $lane
${comment}kind = "scanner"
${comment}transport = "serial"
${comment}protocol = "scanner"
${comment}port = $port
${comment}# what ends a code: CR, LF or CRLF; add aim = true if it sends AIM ids (]Q1)
${comment}options = { suffix = "CR" }
""")

#: where a port goes when none was given (the device block is written commented out)
PORT_PLACEHOLDER = "/dev/serial/by-id/usb-..."
