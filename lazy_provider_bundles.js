// Preloaded into the jsii Node process (NODE_OPTIONS=--require) by lazy_provider_imports.install().
// Each prebuilt provider's lib/index.js requires all of its ~2000 resource modules up front (AWS: ~3 s and
// hundreds of MB before any synth work). This loads such an index with one lazy getter per resource module
// instead, so only the modules a synth touches are required. The installed files stay untouched; a line
// this loader does not recognise stops the load with an error instead of being skipped.
"use strict";
const fs = require("fs");
const Module = require("module");

const PROVIDER_INDEX = /[\\/]@cdktf[\\/]provider-[a-z0-9-]+[\\/](?:.+[\\/])?lib[\\/]index\.js$/;
const EAGER_REQUIRE = /^exports\.([A-Za-z_$][\w$]*) = require\("(\.\/[a-z0-9-]+)"\);$/;
const HEADER_LINE = /^("use strict";|\/\/.*|\/\*\*|\s*\*.*|\s*\*\/|Object\.defineProperty\(exports, "__esModule", \{ value: true \}\);|exports\.[\w$]+( = exports\.[\w$]+)* = void 0;|)$/;

const loadJavaScript = Module._extensions[".js"];

Module._extensions[".js"] = function loadProviderIndexLazily(module, filename) {
  if (!PROVIDER_INDEX.test(filename)) {
    return loadJavaScript(module, filename);
  }
  const submodules = [];
  for (const line of fs.readFileSync(filename, "utf8").split("\n")) {
    const eager = EAGER_REQUIRE.exec(line);
    if (eager) {
      submodules.push([eager[1], eager[2]]);
    } else if (!HEADER_LINE.test(line)) {
      throw new Error(`${filename}: unexpected line ${JSON.stringify(line.slice(0, 120))}; cannot load it lazily`);
    }
  }
  if (submodules.length === 0) {
    throw new Error(`${filename}: no 'exports.x = require("./x")' lines; cannot load it lazily`);
  }
  Object.defineProperty(module.exports, "__esModule", { value: true });
  for (const [name, request] of submodules) {
    Object.defineProperty(module.exports, name, {
      enumerable: true,
      configurable: true,
      get() {
        const value = module.require(request);
        Object.defineProperty(module.exports, name, { value, enumerable: true });
        return value;
      },
    });
  }
};
