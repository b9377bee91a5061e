// Writes FILE.br and FILE.gz beside each text file of the built UI (dist/ by default) over
// 1 KiB, after `vite build`. `npufleet server` sends the best one the client's Accept-Encoding
// allows (src/http/StaticFiles.cpp); a sibling that would not be smaller is not written, and
// stale siblings of files that are gone or too small now are removed.
//   node scripts/precompress.mjs [dir]
import { readdirSync, readFileSync, statSync, unlinkSync, writeFileSync, existsSync } from 'node:fs'
import { join, extname } from 'node:path'
import { brotliCompressSync, gzipSync, constants } from 'node:zlib'

const COMPRESSIBLE = new Set(['.js', '.mjs', '.css', '.html', '.svg', '.json', '.map'])
const MIN_BYTES = 1024
const root = process.argv[2] ?? new URL('../dist', import.meta.url).pathname

function* files(dir) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name)
    if (entry.isDirectory()) yield* files(path)
    else if (entry.isFile()) yield path
  }
}

const encoders = {
  '.br': (data) =>
    brotliCompressSync(data, {
      params: {
        [constants.BROTLI_PARAM_QUALITY]: constants.BROTLI_MAX_QUALITY,
        [constants.BROTLI_PARAM_MODE]: constants.BROTLI_MODE_TEXT,
        [constants.BROTLI_PARAM_SIZE_HINT]: data.length,
      },
    }),
  '.gz': (data) => gzipSync(data, { level: 9 }),
}

let raw = 0
const written = { '.br': 0, '.gz': 0 }
for (const path of [...files(root)]) {
  const ext = extname(path)
  if (ext === '.br' || ext === '.gz') {
    // A sibling whose file is gone (or no longer compressed) would be served for nothing.
    const source = path.slice(0, -ext.length)
    if (!existsSync(source) || statSync(source).size <= MIN_BYTES) unlinkSync(path)
    continue
  }
  if (!COMPRESSIBLE.has(ext) || statSync(path).size <= MIN_BYTES) continue
  const data = readFileSync(path)
  raw += data.length
  for (const [suffix, encode] of Object.entries(encoders)) {
    const out = encode(data)
    if (out.length < data.length) {
      writeFileSync(path + suffix, out)
      written[suffix] += out.length
    } else if (existsSync(path + suffix)) {
      unlinkSync(path + suffix)
    }
  }
}
const kib = (n) => `${(n / 1024).toFixed(1)} KiB`
console.log(
  `precompress: ${kib(raw)} of text in ${root} -> ${kib(written['.br'])} brotli, ${kib(written['.gz'])} gzip`,
)
