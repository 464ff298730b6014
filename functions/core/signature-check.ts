/** The verdict of a request-signature check (Slack, Help Scout); the reason is logged and answered. */
export type SignatureCheck = { ok: true } | { ok: false; reason: string };
