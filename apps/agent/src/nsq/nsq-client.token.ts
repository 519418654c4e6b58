/** Injection token of the ClientNsq registered through NsqClientModule. */
export const NSQ_CLIENT = Symbol('NSQ_CLIENT');
