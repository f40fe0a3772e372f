#!/usr/bin/env python3
"""Generate the rule table of README.md from the rule files.

The rules are read from `keysift rules list --format json` (the built-in
rules, embedded from rules/*.yaml at build time), so this script needs only
Python's standard library. It rewrites the part of README.md between

    <!-- rules-table:begin -->
    <!-- rules-table:end -->

with the number of rules by family and, per family, the table of its rules
(id, name, kind, severity) in a <details> block. Families are groups of
rule files, defined in FAMILIES below: a new rule file must be given one.

usage: rules_table.py [--check] [--keysift BINARY] [--readme README.md]

  --check    change nothing; exit 1 when README.md is not what this script
             would write (ctest runs it: rerun the script after changing rules/)
  --keysift  the keysift binary (default: $KEYSIFT, else build/keysift)
  --readme   the README to rewrite (default: README.md of this repository)

Exit status: 0 written or up to date, 1 out of date (--check), 2 an error
(a rule file without a family, a binary older than rules/, no markers).
"""
import argparse
import collections
import html
import json
import os
import re
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BEGIN = "<!-- rules-table:begin -->"
END = "<!-- rules-table:end -->"
SEVERITIES = ["critical", "high", "medium", "low"]

# Family -> rule files (rules/NAME.yaml), in the order the README shows them.
FAMILIES = [
    ("cloud & hosting", [
        "alibaba", "aws", "azure", "cloudflare", "digitalocean", "fastly", "flyio", "gcp",
        "heroku", "hetzner", "huaweicloud", "ibm", "kubernetes", "linode", "oracle", "ovh",
        "railway", "render", "scaleway", "tencent", "vultr",
    ]),
    ("source hosting, CI & developer tools", [
        "bitbucket", "buildkite", "circleci", "codecov", "drone", "github", "gitlab", "harness",
        "jenkins", "launchdarkly", "netlify", "octopus", "postman", "pulumi", "snyk",
        "sonarqube", "sourcegraph", "teamcity", "terraform-cloud", "travis", "vercel",
    ]),
    ("observability & analytics", [
        "amplitude", "axiom", "bugsnag", "datadog", "dynatrace", "elastic", "elastic-apm",
        "grafana", "honeycomb", "lightstep", "logzio", "mixpanel", "newrelic", "opsgenie",
        "pagerduty", "posthog", "rollbar", "segment", "sentry", "splunk", "sumologic",
    ]),
    ("collaboration & productivity", [
        "airtable", "asana", "atlassian", "box", "contentful", "discord", "dropbox", "figma",
        "hubspot", "intercom", "linear", "mattermost", "microsoft-teams", "miro", "monday",
        "notion", "salesforce", "sanity", "slack", "zendesk", "zoom",
    ]),
    ("social", ["facebook", "instagram", "linkedin", "reddit", "twitch", "twitter"]),
    ("payments & commerce", [
        "adyen", "braintree", "checkout", "coinbase", "flutterwave", "gocardless", "klarna",
        "lemonsqueezy", "mollie", "paddle", "paypal", "paystack", "plaid", "razorpay",
        "shopify", "square", "stripe", "wise",
    ]),
    ("messaging & email", [
        "brevo", "firebase", "mailchimp", "mailgun", "mandrill", "messagebird", "plivo",
        "postmark", "resend", "sendgrid", "sparkpost", "telegram", "telnyx", "twilio", "vonage",
    ]),
    ("identity & secrets management", [
        "1password", "akeyless", "auth0", "bitwarden", "clerk", "doppler", "frontegg",
        "infisical", "keycloak", "okta", "onelogin", "stytch", "vault", "workos",
    ]),
    ("data & AI", [
        "algolia", "anthropic", "anyscale", "assemblyai", "clickhouse", "cohere", "confluent",
        "databricks", "deepgram", "deepseek", "elevenlabs", "fireworks", "gemini", "groq",
        "huggingface", "langsmith", "mapbox", "mistral", "mongodb-atlas", "neon", "openai",
        "openrouter", "perplexity", "pinecone", "planetscale", "redis-cloud", "replicate",
        "snowflake", "stability", "supabase", "together", "turso", "upstash", "voyage", "wandb",
        "weaviate", "xai",
    ]),
    ("package registries", [
        "cratesio", "docker", "gradle", "jfrog", "maven", "npm", "nuget", "packagist", "pypi",
        "rubygems",
    ]),
    ("IoT & devices", [
        "adafruit-io", "arduino", "azure-iot", "balena", "blynk", "golioth", "lorawan",
        "losant", "mqtt", "particle", "soracom", "thethingsnetwork", "thingsboard", "tuya",
        "ubidots", "wifi",
    ]),
    ("device configuration", ["device-config"]),
    ("credential files & network devices", ["cisco", "credential-files", "juniper"]),
    ("password hashes", ["password-hashes", "unix"]),
    ("private keys & certificates", ["certificates", "crypto", "private-keys"]),
    ("generic", ["connection-strings", "generic", "jwt"]),
]

ID_LINE = re.compile(r"^  - id:\s*['\"]?([^'\"\s#]+)")


def fail(msg):
    print("rules_table.py: " + msg, file=sys.stderr)
    sys.exit(2)


def load_rules(keysift):
    try:
        p = subprocess.run([keysift, "rules", "list", "--format", "json"], capture_output=True,
                           timeout=120)
    except OSError as e:
        fail("cannot run %s: %s (build it, or give --keysift)" % (keysift, e))
    if p.returncode != 0:
        fail("%s rules list --format json: exit %d: %s"
             % (keysift, p.returncode, p.stderr.decode(errors="replace").strip()))
    return json.loads(p.stdout)["rules"]


def rule_file_ids(rules_dir):
    """The ids of rules/*.yaml, read from their `  - id:` lines (no YAML parser
    needed): to tell a binary built before the rule files changed."""
    ids = {}
    for name in sorted(os.listdir(rules_dir)):
        if name.endswith(".yaml"):
            with open(os.path.join(rules_dir, name), encoding="utf-8") as f:
                ids[name[:-5]] = sorted(m.group(1) for m in map(ID_LINE.match, f) if m)
    return ids


def stem(rule):
    f = rule["file"] or ""
    if not (f.startswith("rules/") and f.endswith(".yaml")):
        fail("rule %s comes from %s, not a built-in rule file" % (rule["id"], f))
    return f[len("rules/"):-len(".yaml")]


def cell(s):
    """Text for a table cell, shown as written: Markdown's punctuation escaped
    (`$9$` is not math, `<server>` not HTML); `_` only where it could
    emphasise (at a word's edge), so AWS_SECRET_KEY stays readable."""
    s = re.sub(r"([\\`*\[\]<>$|~])", r"\\\1", s.replace("\n", " "))
    return re.sub(r"(?<![0-9A-Za-z])_|_(?![0-9A-Za-z])", r"\\_", s)


def note(rule):
    """What `keysift rules list` adds after the name."""
    if not rule["enabled"]:
        return " (disabled)"
    if rule["check"]:
        return " (computed)"
    if rule["inventory"]:
        return " (inventory)"
    return ""


def render(rules):
    by_file = collections.defaultdict(list)
    for r in rules:
        by_file[stem(r)].append(r)
    family_of = {}
    for family, files in FAMILIES:
        for f in files:
            if f in family_of:
                fail("rules/%s.yaml is in two families: %s and %s" % (f, family_of[f], family))
            family_of[f] = family
    missing = sorted(set(by_file) - set(family_of))
    if missing:
        fail("no family for %s: add %s to FAMILIES in scripts/rules_table.py"
             % (", ".join("rules/%s.yaml" % f for f in missing),
                "it" if len(missing) == 1 else "them"))

    out = [BEGIN,
           "<!-- Generated by scripts/rules_table.py from `keysift rules list --format json`;"
           " do not edit. -->",
           "",
           "%d rules in %d files, by family (a rule file belongs to one family):"
           % (len(rules), len(by_file)),
           "",
           "| family | files | rules | " + " | ".join(SEVERITIES) + " |",
           "| --- | ---: | ---: | " + " | ".join("---:" for _ in SEVERITIES) + " |"]
    sections = []
    total = collections.Counter()
    for family, files in FAMILIES:
        files = [f for f in files if f in by_file]
        if not files:
            continue
        frules = sorted((r for f in files for r in by_file[f]), key=lambda r: r["id"])
        sev = collections.Counter(r["severity"] for r in frules)
        total.update(sev)
        out.append("| %s | %d | %d | %s |" % (family, len(files), len(frules),
                                              " | ".join(str(sev[s]) for s in SEVERITIES)))
        sections += ["<details>",
                     "<summary>%s: %d rules</summary>" % (html.escape(family), len(frules)),
                     "",
                     "Files: %s." % ", ".join("`%s.yaml`" % f for f in files),
                     "",
                     "| id | name | kind | severity |",
                     "| --- | --- | --- | --- |"]
        sections += ["| `%s` | %s%s | %s | %s |" % (r["id"], cell(r["name"]), note(r),
                                                    cell(r["kind"]), r["severity"])
                     for r in frules]
        sections += ["", "</details>", ""]
    out.append("| **all** | **%d** | **%d** | %s |" % (
        len(by_file), len(rules), " | ".join("**%d**" % total[s] for s in SEVERITIES)))
    out += [""] + sections + [END]
    return "\n".join(out)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--check", action="store_true",
                    help="exit 1 when README.md is out of date; change nothing")
    ap.add_argument("--keysift", default=os.environ.get("KEYSIFT",
                                                        os.path.join(ROOT, "build", "keysift")))
    ap.add_argument("--readme", default=os.path.join(ROOT, "README.md"))
    args = ap.parse_args()

    rules = load_rules(args.keysift)
    built = collections.defaultdict(list)
    for r in rules:
        built[stem(r)].append(r["id"])
    on_disk = rule_file_ids(os.path.join(ROOT, "rules"))
    stale = sorted(f for f in set(built) | set(on_disk) if sorted(built.get(f, [])) != on_disk.get(f))
    if stale:
        fail("%s was built from other rule files than rules/ holds (%s): rebuild it"
             % (args.keysift, ", ".join("%s.yaml" % f for f in stale[:5])))

    with open(args.readme, encoding="utf-8") as f:
        text = f.read()
    b, e = text.find(BEGIN), text.find(END)
    if b < 0 or e < b or text.count(BEGIN) != 1 or text.count(END) != 1:
        fail("%s needs one %s and one %s after it" % (args.readme, BEGIN, END))
    new = text[:b] + render(rules) + text[e + len(END):]
    if args.check:
        if new != text:
            print("%s: the rule table is out of date: run scripts/rules_table.py" % args.readme,
                  file=sys.stderr)
            return 1
        print("%s: the rule table is up to date (%d rules)" % (args.readme, len(rules)))
        return 0
    if new != text:
        tmp = args.readme + ".tmp"
        with open(tmp, "w", encoding="utf-8") as f:
            f.write(new)
        os.replace(tmp, args.readme)
        print("%s: rule table written (%d rules)" % (args.readme, len(rules)))
    else:
        print("%s: the rule table is up to date (%d rules)" % (args.readme, len(rules)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
