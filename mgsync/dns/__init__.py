"""DNS records for Mailgun domains, handed to DNS-as-code tools and checked against live DNS.

    live.read(client, domains, zones) -> Live          Mailgun's records for the managed domains
    export.render(records, fmt, out, options)          octoDNS, DNSControl, BIND, Terraform JSON, JSON
    check.check(records, check.resolver(addr))         ok / missing / wrong per record (dnspython)
    report.text(results) / report.json_text(results)

Modules: ``model`` (the record, purpose labels, zone-relative names), ``formats`` (one module per
output format and their registry), ``live``, ``export``, ``check`` (resolving), ``judge`` (one record's
verdict), ``report``. Knows nothing of kinds, plans or the lockfile; the CLI picks the domains from
the manifests.
"""
