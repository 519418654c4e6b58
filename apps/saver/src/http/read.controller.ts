import { Controller, Get, NotFoundException, Param, ParseUUIDPipe } from '@nestjs/common';
import { SaverStore, type SaverStats } from '../store/saver.store.js';

/** What was stored, for people, the demo and the tests. */
@Controller()
export class ReadController {
  constructor(private readonly store: SaverStore) {}

  @Get('stats')
  stats(): Promise<SaverStats> {
    return this.store.stats();
  }

  @Get('reports/:id')
  async report(@Param('id', new ParseUUIDPipe()) id: string) {
    return (await this.store.findReport(id)) ?? notFound('report', id);
  }

  @Get('orders/:id')
  async order(@Param('id', new ParseUUIDPipe()) id: string) {
    return (await this.store.findOrder(id)) ?? notFound('order', id);
  }

  @Get('flash-sale/purchases/:id')
  async purchase(@Param('id', new ParseUUIDPipe()) id: string) {
    return (await this.store.findPurchase(id)) ?? notFound('purchase', id);
  }
}

function notFound(kind: string, id: string): never {
  throw new NotFoundException(`${kind} ${id} not stored (yet)`);
}
