/** What a payment timeout did to its order. */
export type PaymentTimeoutOutcome =
  /** pending past its deadline → cancelled (or created cancelled when `order.created` never came). */
  | { readonly kind: 'cancelled' }
  /** paid or already cancelled: nothing to do. */
  | { readonly kind: 'settled'; readonly status: string }
  /** Delivered before the deadline (an nsqd restart drops deferrals): try again in `remainingMs`. */
  | { readonly kind: 'not-due'; readonly remainingMs: number };
