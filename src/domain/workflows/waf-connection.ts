/**
 * Connection of an Internet resource to the web application firewall (p.17, Appendix 3). The procedure is
 * the one of protection.ts; the data are Appendix 3's nine items, the private key of item 7 sealed at rest.
 */
import { protectionService } from "./protection.js";

export const wafConnection = protectionService("waf-connection", "Web application firewall", "p.17", "Appendix 3");
