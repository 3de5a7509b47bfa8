/**
 * WeCom callback crypto [91144, 101033]: a thin wrapper over `@wecom/crypto` that adds what the
 * library leaves out (wecom.md §4): constant-time signature comparison, PKCS#7 padding validation,
 * structural checks of the decrypted frame, and the receiveid check (`""` for the AI bot, the
 * CorpID for a self-built app).
 *
 * Frame layout (plaintext before padding): `random(16) | uint32 BE msgLen | msg | receiveid`;
 * AES-256-CBC with key = base64(EncodingAESKey + "="), IV = key[0..16), PKCS#7 to 32-byte blocks.
 */
import { createDecipheriv, timingSafeEqual } from 'node:crypto';
import { decrypt, encrypt, getSignature } from '@wecom/crypto';
import { BadRequestError, ConfigError, SignatureError } from '../../../errors.js';

/** Block size WeCom pads to (PKCS#7 pad value is 1..32) [91144]. */
const PAD_BLOCK = 32;
/** random(16) + length(4). */
const HEADER_BYTES = 20;
const BASE64_RE = /^[A-Za-z0-9+/]+={0,2}$/;

/** The encrypted, signed envelope of a passive reply (JSON field names as WeCom expects them) [101033]. */
export interface EncryptedReply {
  encrypt: string;
  msgsignature: string;
  /** Unix seconds. */
  timestamp: number;
  nonce: string;
}

/**
 * Decodes an EncodingAESKey (43 base64 chars) into the 32-byte AES key.
 * @throws ConfigError if the key does not decode to 32 bytes.
 */
export function aesKeyBytes(encodingAESKey: string): Buffer {
  const key = Buffer.from(`${encodingAESKey}=`, 'base64');
  if (encodingAESKey.length !== 43 || key.length !== 32) {
    throw new ConfigError('WeCom EncodingAESKey must be 43 base64 characters (32 bytes)');
  }
  return key;
}

/** `sha1hex(sort([token, timestamp, nonce, encrypt]).join(''))` [91144]. */
export function computeSignature(token: string, timestamp: string | number, nonce: string, encrypted: string): string {
  return getSignature(token, String(timestamp), nonce, encrypted);
}

/**
 * Verifies `msg_signature` over `encrypt` in constant time (equal-length buffers through
 * `crypto.timingSafeEqual`; hex case is ignored).
 * @throws SignatureError when it does not match (forged or mis-configured token).
 */
export function verifySignature(
  token: string,
  timestamp: string,
  nonce: string,
  encrypted: string,
  signature: string,
): void {
  const expected = Buffer.from(computeSignature(token, timestamp, nonce, encrypted), 'utf8');
  const given = Buffer.from(String(signature).toLowerCase(), 'utf8');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
    throw new SignatureError('invalid msg_signature');
  }
}

/**
 * Decrypts a callback `encrypt`/`echostr` value and returns the message text (UTF-8).
 * Checks, beyond the library: base64 shape, whole AES blocks, PKCS#7 padding (value 1..32 and
 * every pad byte equal), the length field within the frame, and that the trailing receiveid
 * equals `expectedReceiveId` (`""` for the AI bot [101033]).
 * @throws BadRequestError for a malformed ciphertext or padding; SignatureError for a receiveid
 *   mismatch (the frame was not meant for this receiver); ConfigError for a bad key.
 */
export function decryptMessage(encodingAESKey: string, encrypted: string, expectedReceiveId: string): string {
  const key = aesKeyBytes(encodingAESKey);
  if (typeof encrypted !== 'string' || !BASE64_RE.test(encrypted)) throw new BadRequestError('encrypt is not base64');
  const cipherBytes = Buffer.from(encrypted, 'base64');
  if (cipherBytes.length < PAD_BLOCK || cipherBytes.length % 16 !== 0) {
    throw new BadRequestError('ciphertext length is not a whole number of AES blocks');
  }
  const decipher = createDecipheriv('aes-256-cbc', key, key.subarray(0, 16));
  decipher.setAutoPadding(false);
  const plain = Buffer.concat([decipher.update(cipherBytes), decipher.final()]);

  const pad = plain[plain.length - 1];
  if (pad < 1 || pad > PAD_BLOCK || pad > plain.length) throw new BadRequestError('bad PKCS#7 padding');
  for (let i = plain.length - pad; i < plain.length; i++) {
    if (plain[i] !== pad) throw new BadRequestError('bad PKCS#7 padding');
  }
  const frameLength = plain.length - pad;
  if (frameLength < HEADER_BYTES) throw new BadRequestError('decrypted frame too short');
  const msgLength = plain.readUInt32BE(16);
  if (HEADER_BYTES + msgLength > frameLength) throw new BadRequestError('decrypted length field out of range');

  // The frame is sound: let the library do the field split.
  const { message, id } = decrypt(encodingAESKey, encrypted);
  if (id !== expectedReceiveId) throw new SignatureError('receiveid mismatch');
  return message;
}

/**
 * Encrypts `plaintext` for `receiveId` and signs it: the passive reply envelope [101033].
 * @param timestamp Unix seconds.
 * @throws ConfigError for a bad key.
 */
export function encryptReply(
  token: string,
  encodingAESKey: string,
  plaintext: string,
  receiveId: string,
  timestamp: number,
  nonce: string,
): EncryptedReply {
  aesKeyBytes(encodingAESKey);
  const encrypted = encrypt(encodingAESKey, plaintext, receiveId);
  return { encrypt: encrypted, msgsignature: computeSignature(token, timestamp, nonce, encrypted), timestamp, nonce };
}
