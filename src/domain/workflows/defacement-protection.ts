/**
 * Connection of an Internet resource to the protection from unauthorised modification of web pages (p.18,
 * Appendix 4). The procedure is the one of protection.ts; Appendix 4 adds access to the web root over
 * SSH/SFTP/FTP (item 9) and the credentials of a user with read and write permission (item 11), sealed at rest.
 */
import { protectionService } from "./protection.js";

const base = protectionService("defacement-protection", "Defacement protection", "p.18", "Appendix 4");

export const defacementProtection = {
  ...base,
  validate(payload: Record<string, unknown>, submittedAt: string, cal: Parameters<NonNullable<typeof base.validate>>[2]) {
    const errors = base.validate!(payload, submittedAt, cal);
    const access = payload.webRootAccess as { protocol?: string } | undefined;
    const creds = payload.credentials as { password?: string; privateKeyPem?: string } | undefined;
    if (!creds || (!creds.password && !creds.privateKeyPem)) errors.push({ path: "/credentials", message: "a password or an authorisation key of the web-root user is required (Appendix 4, item 11)" });
    if (access?.protocol === "ftp" && creds?.privateKeyPem && !creds.password) errors.push({ path: "/credentials/password", message: "FTP authenticates with a password, not a key (Appendix 4, item 11)" });
    return errors;
  },
};
