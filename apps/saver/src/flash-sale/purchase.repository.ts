import { Injectable } from '@nestjs/common';
import type { FlashSalePurchaseEvent } from '@app/contracts';
import { SaverDatabase } from '../database/saver-database.js';
import { WriteTally } from '../database/write-tally.js';

/** `flash_sale_purchases`: one row per purchase event. */
@Injectable()
export class PurchaseRepository {
  constructor(
    private readonly database: SaverDatabase,
    private readonly tally: WriteTally,
  ) {}

  async save(purchase: FlashSalePurchaseEvent): Promise<boolean> {
    const result = await this.database.db
      .insertInto('flash_sale_purchases')
      .values({ id: purchase.eventId, sku: purchase.sku, customer_id: purchase.customerId, requested_at: purchase.requestedAt })
      .onConflict((oc) => oc.column('id').doNothing())
      .executeTakeFirst();
    return this.tally.written(result.numInsertedOrUpdatedRows);
  }

  find(id: string) {
    return this.database.db.selectFrom('flash_sale_purchases').selectAll().where('id', '=', id).executeTakeFirst();
  }
}
