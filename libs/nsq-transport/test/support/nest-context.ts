import { type INestApplicationContext, Module, type ModuleMetadata, type NestApplicationOptions } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';

/**
 * A Nest application context over one module with `metadata`, quiet, and rejecting (instead of
 * aborting the process) when a provider cannot be built.
 *
 * @example
 * const app = await nestContext({ imports: [NsqClientModule.register({ nsqdTcpAddresses })] });
 */
export async function nestContext(metadata: ModuleMetadata, options: NestApplicationOptions = {}): Promise<INestApplicationContext> {
  @Module(metadata)
  class TestModule {}
  return NestFactory.createApplicationContext(TestModule, { logger: false, abortOnError: false, ...options });
}
