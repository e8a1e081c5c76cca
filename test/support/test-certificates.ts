import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** What a TLS test needs: a CA, a broker certificate it signed, and a CA that signed nothing here. */
export interface TestCertificates {
  /** PEM of the CA that signed the broker's certificate: what a client must trust. */
  caFile: string;
  /** PEM of another CA, for a client that trusts the wrong one. */
  untrustedCaFile: string;
  /** PKCS#12 with the broker's key and its certificate (for 127.0.0.1 and localhost) and the CA's. */
  keystoreFile: string;
  keystorePassword: string;
}

function openssl(dir: string, args: string[]): void {
  execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
}

function makeCa(dir: string, name: string): void {
  openssl(dir, [
    'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2', '-subj', `/CN=${name}`,
    '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign',
    '-keyout', `${name}.key`, '-out', `${name}.pem`,
  ]);
}

/** Self-signed certificates made with openssl in `dir`, valid for two days. */
export function makeTestCertificates(dir: string): TestCertificates {
  makeCa(dir, 'backstop-test-ca');
  makeCa(dir, 'stranger-ca');
  openssl(dir, ['req', '-newkey', 'rsa:2048', '-nodes', '-subj', '/CN=127.0.0.1', '-keyout', 'broker.key', '-out', 'broker.csr']);
  // Clients check the name they dialled against the subject alternative names, never the CN.
  writeFileSync(join(dir, 'broker.ext'), 'basicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\nsubjectAltName=IP:127.0.0.1,DNS:localhost\n');
  openssl(dir, [
    'x509', '-req', '-in', 'broker.csr', '-CA', 'backstop-test-ca.pem', '-CAkey', 'backstop-test-ca.key', '-CAcreateserial',
    '-days', '2', '-extfile', 'broker.ext', '-out', 'broker.pem',
  ]);
  const keystorePassword = randomBytes(12).toString('hex');
  openssl(dir, [
    'pkcs12', '-export', '-in', 'broker.pem', '-inkey', 'broker.key', '-certfile', 'backstop-test-ca.pem',
    '-name', 'broker', '-out', 'broker.p12', '-passout', `pass:${keystorePassword}`,
  ]);
  return {
    caFile: join(dir, 'backstop-test-ca.pem'),
    untrustedCaFile: join(dir, 'stranger-ca.pem'),
    keystoreFile: join(dir, 'broker.p12'),
    keystorePassword,
  };
}
