/** Topics this service publishes; the saver subscribes to the same names. */
export const TOPICS = {
  reportCreated: 'report.created',
  orderCreated: 'order.created',
  orderPaymentTimeout: 'order.payment-timeout',
  orderPaid: 'order.paid',
  flashSalePurchase: 'flash-sale.purchase',
} as const;

/** Injection token of the ClientNsq registered through NsqClientModule. */
export const NSQ_CLIENT = Symbol('NSQ_CLIENT');
