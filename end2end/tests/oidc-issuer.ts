import https from "node:https";
import { AddressInfo } from "node:net";
import { generateKeyPairSync, randomUUID, sign } from "node:crypto";
import { readFileSync } from "node:fs";
import path from "node:path";

/**
 * An OpenID Connect issuer on this machine, as a CI platform runs one: a discovery document and
 * a JWKS with one P-256 key, served over https with the certificate that
 * `scripts/e2e-server.sh` made from the CA it gave the server (`STEWARD_OIDC_CA_FILE`). It signs
 * ES256 identity tokens with the claims a test chooses.
 */
export interface Issuer {
  url: string;
  sign(claims: Record<string, unknown>): string;
  close(): Promise<void>;
}

const certificates = path.join(__dirname, "..", "..", "target", "e2e-oidc");

export async function startIssuer(): Promise<Issuer> {
  const { privateKey, publicKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
  const kid = "e2e-1";
  const jwk = { ...publicKey.export({ format: "jwk" }), kid, alg: "ES256", use: "sig" };
  let url = "";
  const server = https.createServer(
    {
      key: readFileSync(path.join(certificates, "issuer.key")),
      cert: readFileSync(path.join(certificates, "issuer.pem")),
    },
    (req, res) => {
      const json = (body: object) => {
        res.writeHead(200, { "content-type": "application/json", "cache-control": "max-age=300" });
        res.end(JSON.stringify(body));
      };
      if (req.url === "/.well-known/openid-configuration") {
        json({
          issuer: url,
          jwks_uri: `${url}/jwks`,
          id_token_signing_alg_values_supported: ["ES256"],
          response_types_supported: ["id_token"],
          subject_types_supported: ["public"],
        });
      } else if (req.url === "/jwks") {
        json({ keys: [jwk] });
      } else {
        res.writeHead(404);
        res.end();
      }
    },
  );
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  url = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const part = (o: object) => Buffer.from(JSON.stringify(o)).toString("base64url");
  return {
    url,
    sign(claims) {
      const now = Math.floor(Date.now() / 1000);
      const payload = { iss: url, iat: now, nbf: now, exp: now + 300, jti: randomUUID(), ...claims };
      const input = `${part({ alg: "ES256", kid, typ: "JWT" })}.${part(payload)}`;
      const signature = sign("sha256", Buffer.from(input), { key: privateKey, dsaEncoding: "ieee-p1363" });
      return `${input}.${signature.toString("base64url")}`;
    },
    // The server's HTTP client keeps its connection open for reuse: end it, or close() waits.
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
