/** Injection token of the saver's ServerNsq instances (main and flash sale), by name. */
export const NSQ_SERVERS = Symbol('NSQ_SERVERS');
