import { createAgentApp } from '../../apps/agent/src/agent.app.js';
import { createSaverApp } from '../../apps/saver/src/saver.app.js';

describe('the services refuse an invalid configuration at start', () => {
  it('saver: one error naming every invalid variable, DATABASE_URL never echoed', async () => {
    const creating = createSaverApp({ LOG_LEVEL: 'silent', SAVER_PORT: 'abc', SAVER_MAX_IN_FLIGHT: '0', DATABASE_URL: 'mysql://user:s3cret@db/x' });
    await expect(creating).rejects.toThrow(/^Invalid saver configuration: .*SAVER_PORT="abc".*SAVER_MAX_IN_FLIGHT="0".*DATABASE_URL=\(hidden\)/);
    await expect(creating).rejects.not.toThrow(/s3cret/);
  });

  it('saver: needs lookupd or nsqd addresses', async () => {
    await expect(createSaverApp({ LOG_LEVEL: 'silent', NSQLOOKUPD_HTTP_ADDRESSES: '', NSQD_TCP_ADDRESSES: '' })).rejects.toThrow('set NSQLOOKUPD_HTTP_ADDRESSES or NSQD_TCP_ADDRESSES');
  });

  it('agent: one error naming every invalid variable', async () => {
    await expect(createAgentApp({ LOG_LEVEL: 'silent', AGENT_PORT: '-1', NSQD_TCP_ADDRESSES: 'not an address' })).rejects.toThrow(
      /^Invalid agent configuration: .*AGENT_PORT="-1".*NSQD_TCP_ADDRESSES="not an address"/,
    );
  });
});
