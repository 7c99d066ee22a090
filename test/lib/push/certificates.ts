import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** A key and certificate for `https.createServer`. */
export interface ServerTls {
  key: Buffer;
  cert: Buffer;
}

export interface Certificates {
  /** For 127.0.0.1, signed by its own key: DEPTH_ZERO_SELF_SIGNED_CERT. */
  selfSigned: ServerTls;
  /** For 127.0.0.1, issued by a test CA, and expired a day ago: CERT_HAS_EXPIRED. */
  expired: ServerTls;
}

/** Certificates that fail TLS verification, made with openssl in `dir`. */
export function makeCertificates(dir: string): Certificates {
  const openssl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
  const subject = ['-subj', '/CN=localhost'];
  openssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'self.key', '-out', 'self.pem', '-days', '1', ...subject, '-addext', 'subjectAltName=IP:127.0.0.1');
  openssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '2', '-subj', '/CN=sluice-test-ca');
  openssl('req', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'leaf.key', '-out', 'leaf.csr', ...subject);
  writeFileSync(join(dir, 'leaf.ext'), 'subjectAltName=IP:127.0.0.1\n');
  // -days -1: valid from now until a day ago, so expired whatever the clock says.
  openssl('x509', '-req', '-in', 'leaf.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'leaf.pem', '-days', '-1', '-extfile', 'leaf.ext');
  const read = (name: string) => readFileSync(join(dir, name));
  return { selfSigned: { key: read('self.key'), cert: read('self.pem') }, expired: { key: read('leaf.key'), cert: read('leaf.pem') } };
}
