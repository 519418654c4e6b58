import { Module } from '@nestjs/common';
import { OrderEvents } from './order.events.js';
import { OrderRepository } from './order.repository.js';
import { OrdersController } from './orders.controller.js';

/** Orders: the row, its fan-out channels, payment and the payment deadline. */
@Module({ controllers: [OrderEvents, OrdersController], providers: [OrderRepository] })
export class OrdersModule {}
