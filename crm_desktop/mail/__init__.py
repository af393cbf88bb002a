"""Mail parsing (.eml/.msg/.mbox), IMAP and SMTP clients, safe HTML (no DB, no Qt).

Filled by the mail issue."""
