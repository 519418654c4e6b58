import { Controller, Get, NotFoundException, Param, ParseUUIDPipe } from '@nestjs/common';
import { OrderRepository } from './order.repository.js';

/** `GET /orders/:id`: the order row and what each fan-out channel did. */
@Controller('orders')
export class OrdersController {
  constructor(private readonly orders: OrderRepository) {}

  @Get(':id')
  async order(@Param('id', new ParseUUIDPipe()) id: string) {
    const order = await this.orders.find(id);
    if (!order) throw new NotFoundException(`order ${id} not stored (yet)`);
    return order;
  }
}
