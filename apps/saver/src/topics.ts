/** Topics the agent publishes; this service subscribes to them. */
export const TOPICS = {
  reportCreated: 'report.created',
  orderCreated: 'order.created',
  orderPaymentTimeout: 'order.payment-timeout',
  orderPaid: 'order.paid',
  flashSalePurchase: 'flash-sale.purchase',
} as const;

/** Channels on `order.created` besides the saver's own: each gets every order and does its own work. */
export const ORDER_FANOUT_CHANNELS = ['points', 'coupons', 'notifications'] as const;
export type OrderFanoutChannel = (typeof ORDER_FANOUT_CHANNELS)[number];

/** transportId of the second ServerNsq that consumes the flash sale one message at a time. */
export const FLASH_SALE_TRANSPORT = Symbol('FLASH_SALE_TRANSPORT');
