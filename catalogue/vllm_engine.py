"""What vLLM 0.33.0 itself accepts and refuses when `vllm serve` starts, as data with its source.

Every fact was read from the vLLM 0.33.0 wheel on PyPI (vllm-0.33.0-cp38-abi3-manylinux_2_28_x86_64.whl, whose
vllm/_version.py says 0.33.0, commit g4ba787ec9); `file:line` below is a path inside that wheel. Facts that came
from elsewhere (the release that removed a flag) say where. apps/vllm/engine_args.py holds the rules over them.

How `vllm serve` builds its parser (so how the option list below was read):
- vllm/entrypoints/cli/serve.py:161-175 creates the `serve` sub-parser and hands it to `make_arg_parser`
  (vllm/entrypoints/common/cli_args.py:431-477), which adds `model_tag`, four options of its own, every field of
  `FrontendArgs` (cli_args.py:73-387, registered as `--<field name with - for _>` at cli_args.py:280-284) and
  `AsyncEngineArgs.add_cli_args` (vllm/engine/arg_utils.py:3250-3271), which calls `EngineArgs.add_cli_args`
  (arg_utils.py:959-1969): a fixed list of `add_argument` calls, each naming its options.
- An option whose config field is a `bool` (or `bool | None`) gets `argparse.BooleanOptionalAction`
  (arg_utils.py:384-386; `bool | str | None` takes an optional value instead, arg_utils.py:379-382), as do the
  `add_argument` calls that say so. `FlexibleArgumentParser` registers `EnableDisableAction` for it
  (vllm/utils/argparse_utils.py:179), which accepts `--no-<option>` and pairs `--enable-x` with `--disable-x`
  (argparse_utils.py:120-145). Those forms are derived in apps/vllm/engine_args.py from `boolean=True` below.
- `FlexibleArgumentParser.parse_args` (argparse_utils.py:313-502) first rewrites the arguments: `_` becomes `-` in
  a `--name` up to its first `.` (argparse_utils.py:374-394), `-O<level>` becomes `--optimization-level <level>`
  (argparse_utils.py:395-406), and `--json-option.key value` (or `.key+` to append) is folded into
  `--json-option '{...}'` (argparse_utils.py:462-500).
- Nothing turns off argparse's `allow_abbrev` (argparse_utils.py:170-180; serve.py:164-170), so argparse also takes
  a unique prefix of a long option for the option; an ambiguous prefix is an error.
- The platform hook `current_platform.pre_register_and_update(parser)` adds nothing on CUDA (the base class's
  `pass`, vllm/platforms/interface.py:638-651); out-of-tree plugins (`load_general_plugins`) could add options.

Counted from the list below: 320 `add_argument` declarations hold 344 option strings; the 89 boolean ones add 89
`--no-` forms and 50 `--enable-`/`--disable-` inverses, so with argparse's own `-h`/`--help` `vllm serve` 0.33.0
accepts 485 option strings (tests/apps/test_engine_args.py counts them).
"""

from __future__ import annotations

from dataclasses import dataclass

VLLM_VERSION = "0.33.0"
# Read from vllm-0.33.0-cp38-abi3-manylinux_2_28_x86_64.whl (PyPI): vllm/_version.py 0.33.0, commit g4ba787ec9.

ARG_UTILS = "vllm/engine/arg_utils.py"
CLI_ARGS = "vllm/entrypoints/common/cli_args.py"


@dataclass(frozen=True)
class ServeOption:
    """One `add_argument` of `vllm serve`: the option strings it declares and the line that declares them."""

    options: tuple[str, ...]
    declared_at: str  # file:line of the option string (for a FrontendArgs field: the field)
    boolean: bool = False  # BooleanOptionalAction: --no-<option> too, and --enable-x <-> --disable-x


def _declared(file: str, line: int, *options: str, boolean: bool = False) -> ServeOption:
    return ServeOption(options, f"{file}:{line}", boolean)


SERVE_OPTIONS: tuple[ServeOption, ...] = (
    # make_arg_parser (cli_args.py:431-477): the serve-only options
    _declared(CLI_ARGS, 445, "--headless"),
    _declared(CLI_ARGS, 452, "--api-server-count", "-asc"),
    _declared(CLI_ARGS, 460, "--config"),
    _declared(CLI_ARGS, 466, "--grpc"),
    # FrontendArgs and BaseFrontendArgs fields (cli_args.py:73-387), each registered as --<field> at cli_args.py:283
    _declared(CLI_ARGS, 81, "--lora-modules"),
    _declared(CLI_ARGS, 86, "--chat-template"),
    _declared(CLI_ARGS, 89, "--chat-template-content-format"),
    _declared(CLI_ARGS, 95, "--trust-request-chat-template", boolean=True),
    _declared(CLI_ARGS, 99, "--trust-request-mm-kwargs", boolean=True),
    _declared(CLI_ARGS, 104, "--default-chat-template-kwargs"),
    _declared(CLI_ARGS, 110, "--reasoning-effort-map"),
    _declared(CLI_ARGS, 117, "--response-role"),
    _declared(CLI_ARGS, 119, "--return-tokens-as-token-ids", boolean=True),
    _declared(CLI_ARGS, 123, "--enable-auto-tool-choice", boolean=True),
    _declared(CLI_ARGS, 126, "--exclude-tools-when-tool-choice-none", boolean=True),
    _declared(CLI_ARGS, 129, "--tool-call-parser"),
    _declared(CLI_ARGS, 134, "--tool-parser-plugin"),
    _declared(CLI_ARGS, 138, "--tool-strict-level"),
    _declared(CLI_ARGS, 146, "--tool-server"),
    _declared(CLI_ARGS, 153, "--max-log-len"),
    _declared(CLI_ARGS, 156, "--enable-prompt-tokens-details", boolean=True),
    _declared(CLI_ARGS, 158, "--enable-per-request-metrics", boolean=True),
    _declared(CLI_ARGS, 160, "--enable-server-load-tracking", boolean=True),
    _declared(CLI_ARGS, 162, "--enable-force-include-usage", boolean=True),
    _declared(CLI_ARGS, 164, "--sse-keep-alive-interval"),
    _declared(CLI_ARGS, 171, "--enable-tokenizer-info-endpoint", boolean=True),
    _declared(CLI_ARGS, 174, "--enable-log-outputs", boolean=True),
    _declared(CLI_ARGS, 178, "--enable-log-deltas", boolean=True),
    _declared(CLI_ARGS, 182, "--cohere-is-reasoning-model", boolean=True),
    _declared(CLI_ARGS, 191, "--cohere-format"),
    _declared(CLI_ARGS, 201, "--anthropic-disabled-thinking-effort"),
    _declared(CLI_ARGS, 209, "--log-error-stack", boolean=True),
    _declared(CLI_ARGS, 211, "--tokens-only", boolean=True),
    _declared(CLI_ARGS, 216, "--enable-scale-out", boolean=True),
    _declared(CLI_ARGS, 223, "--fingerprint-mode"),
    _declared(CLI_ARGS, 233, "--fingerprint-value"),
    _declared(CLI_ARGS, 293, "--host"),
    _declared(CLI_ARGS, 295, "--port"),
    _declared(CLI_ARGS, 297, "--grpc-port"),
    _declared(CLI_ARGS, 302, "--data-parallel-supervisor-port"),
    _declared(CLI_ARGS, 305, "--dp-supervisor-probe-interval-s"),
    _declared(CLI_ARGS, 307, "--dp-supervisor-probe-timeout-s"),
    _declared(CLI_ARGS, 310, "--dp-supervisor-probe-failure-threshold"),
    _declared(CLI_ARGS, 313, "--uds"),
    _declared(CLI_ARGS, 315, "--uvicorn-log-level"),
    _declared(CLI_ARGS, 319, "--disable-uvicorn-access-log", boolean=True),
    _declared(CLI_ARGS, 321, "--disable-access-log-for-endpoints"),
    _declared(CLI_ARGS, 327, "--allow-credentials", boolean=True),
    _declared(CLI_ARGS, 329, "--allowed-origins"),
    _declared(CLI_ARGS, 331, "--allowed-methods"),
    _declared(CLI_ARGS, 333, "--allowed-headers"),
    _declared(CLI_ARGS, 335, "--api-key"),
    _declared(CLI_ARGS, 346, "--ssl-keyfile"),
    _declared(CLI_ARGS, 348, "--ssl-certfile"),
    _declared(CLI_ARGS, 350, "--ssl-ca-certs"),
    _declared(CLI_ARGS, 352, "--enable-ssl-refresh", boolean=True),
    _declared(CLI_ARGS, 354, "--ssl-cert-reqs"),
    _declared(CLI_ARGS, 356, "--ssl-ciphers"),
    _declared(CLI_ARGS, 359, "--root-path"),
    _declared(CLI_ARGS, 361, "--middleware"),
    _declared(CLI_ARGS, 367, "--enable-request-id-headers", boolean=True),
    _declared(CLI_ARGS, 369, "--disable-fastapi-docs", boolean=True),
    _declared(CLI_ARGS, 371, "--h11-max-incomplete-event-size"),
    _declared(CLI_ARGS, 374, "--h11-max-header-count"),
    _declared(CLI_ARGS, 377, "--enable-offline-docs", boolean=True),
    _declared(CLI_ARGS, 382, "--enable-flash-late-interaction", boolean=True),
    # EngineArgs.add_cli_args (arg_utils.py:959-1969)
    _declared(ARG_UTILS, 969, "--model"),
    _declared(ARG_UTILS, 970, "--runner"),
    _declared(ARG_UTILS, 971, "--convert"),
    _declared(ARG_UTILS, 972, "--tokenizer"),
    _declared(ARG_UTILS, 973, "--tokenizer-mode"),
    _declared(ARG_UTILS, 975, "--trust-remote-code", boolean=True),
    _declared(ARG_UTILS, 977, "--dtype"),
    _declared(ARG_UTILS, 978, "--seed"),
    _declared(ARG_UTILS, 979, "--hf-config-path"),
    _declared(ARG_UTILS, 981, "--allowed-local-media-path"),
    _declared(ARG_UTILS, 984, "--allowed-media-domains"),
    _declared(ARG_UTILS, 986, "--revision"),
    _declared(ARG_UTILS, 987, "--code-revision"),
    _declared(ARG_UTILS, 989, "--tokenizer-revision"),
    _declared(ARG_UTILS, 991, "--max-model-len"),
    _declared(ARG_UTILS, 992, "--quantization", "-q"),
    _declared(ARG_UTILS, 994, "--quantization-config"),
    _declared(ARG_UTILS, 997, "--allow-deprecated-quantization", boolean=True),
    _declared(ARG_UTILS, 1000, "--enforce-eager", boolean=True),
    _declared(ARG_UTILS, 1002, "--enable-return-routed-experts", boolean=True),
    _declared(ARG_UTILS, 1006, "--return-sampling-mask", boolean=True),
    _declared(ARG_UTILS, 1009, "--max-logprobs"),
    _declared(ARG_UTILS, 1010, "--logprobs-mode"),
    _declared(ARG_UTILS, 1011, "--use-fp64-gumbel", boolean=True),
    _declared(ARG_UTILS, 1013, "--enable-trace-replay", boolean=True),
    _declared(ARG_UTILS, 1016, "--disable-sliding-window", boolean=True),
    _declared(ARG_UTILS, 1019, "--disable-cascade-attn", boolean=True),
    _declared(ARG_UTILS, 1025, "--skip-tokenizer-init", boolean=True),
    _declared(ARG_UTILS, 1028, "--enable-prompt-embeds", boolean=True),
    _declared(ARG_UTILS, 1031, "--served-model-name"),
    _declared(ARG_UTILS, 1033, "--config-format"),
    _declared(ARG_UTILS, 1034, "--hf-token"),
    _declared(ARG_UTILS, 1035, "--hf-overrides"),
    _declared(ARG_UTILS, 1037, "--model-class-overrides"),
    _declared(ARG_UTILS, 1039, "--pooler-config"),
    _declared(ARG_UTILS, 1041, "--generation-config"),
    _declared(ARG_UTILS, 1044, "--override-generation-config"),
    _declared(ARG_UTILS, 1047, "--enable-sleep-mode", boolean=True),
    _declared(ARG_UTILS, 1050, "--sleep-mode-backend"),
    _declared(ARG_UTILS, 1053, "--sleep-mode-offload-cudagraph", boolean=True),
    _declared(ARG_UTILS, 1057, "--sleep-preserve-parameter-names"),
    _declared(ARG_UTILS, 1061, "--enable-cumem-allocator", boolean=True),
    _declared(ARG_UTILS, 1064, "--enable-nccl-comm-suspend", boolean=True),
    _declared(ARG_UTILS, 1067, "--model-impl"),
    _declared(ARG_UTILS, 1069, "--logits-processors"),
    _declared(ARG_UTILS, 1072, "--io-processor-plugin"),
    _declared(ARG_UTILS, 1075, "--renderer-num-workers"),
    _declared(ARG_UTILS, 1085, "--load-format"),
    _declared(ARG_UTILS, 1086, "--download-dir"),
    _declared(ARG_UTILS, 1088, "--safetensors-load-strategy"),
    _declared(ARG_UTILS, 1091, "--safetensors-prefetch-num-threads"),
    _declared(ARG_UTILS, 1095, "--safetensors-prefetch-block-size"),
    _declared(ARG_UTILS, 1099, "--model-loader-extra-config"),
    _declared(ARG_UTILS, 1101, "--ignore-patterns"),
    _declared(ARG_UTILS, 1102, "--use-tqdm-on-load", boolean=True),
    _declared(ARG_UTILS, 1104, "--pt-load-map-location"),
    _declared(ARG_UTILS, 1114, "--attention-backend"),
    _declared(ARG_UTILS, 1123, "--mamba-backend"),
    _declared(ARG_UTILS, 1125, "--mamba-ssu-algorithm"),
    _declared(ARG_UTILS, 1128, "--enable-mamba-cache-stochastic-rounding", boolean=True),
    _declared(ARG_UTILS, 1132, "--mamba-cache-philox-rounds"),
    _declared(ARG_UTILS, 1147, "--reasoning-parser"),
    _declared(ARG_UTILS, 1152, "--reasoning-parser-plugin"),
    _declared(ARG_UTILS, 1167, "--distributed-executor-backend"),
    _declared(ARG_UTILS, 1171, "--pipeline-parallel-size", "-pp"),
    _declared(ARG_UTILS, 1175, "--master-addr"),
    _declared(ARG_UTILS, 1176, "--master-port"),
    _declared(ARG_UTILS, 1177, "--nnodes", "-n"),
    _declared(ARG_UTILS, 1178, "--node-rank", "-r"),
    _declared(ARG_UTILS, 1180, "--distributed-timeout-seconds"),
    _declared(ARG_UTILS, 1184, "--cpu-distributed-timeout-seconds"),
    _declared(ARG_UTILS, 1187, "--numa-bind", boolean=True),
    _declared(ARG_UTILS, 1189, "--numa-bind-nodes"),
    _declared(ARG_UTILS, 1192, "--numa-bind-cpus"),
    _declared(ARG_UTILS, 1195, "--device-ids"),
    _declared(ARG_UTILS, 1209, "--tensor-parallel-size", "-tp"),
    _declared(ARG_UTILS, 1212, "--decode-context-parallel-size", "-dcp"),
    _declared(ARG_UTILS, 1217, "--dcp-comm-backend"),
    _declared(ARG_UTILS, 1221, "--dcp-q-replicate", boolean=True),
    _declared(ARG_UTILS, 1225, "--dcp-kv-cache-interleave-size"),
    _declared(ARG_UTILS, 1229, "--cp-kv-cache-interleave-size"),
    _declared(ARG_UTILS, 1236, "--prefill-context-parallel-size", "-pcp"),
    _declared(ARG_UTILS, 1241, "--data-parallel-size", "-dp"),
    _declared(ARG_UTILS, 1244, "--data-parallel-rank", "-dpn"),
    _declared(ARG_UTILS, 1253, "--data-parallel-start-rank", "-dpr"),
    _declared(ARG_UTILS, 1259, "--data-parallel-size-local", "-dpl"),
    _declared(ARG_UTILS, 1265, "--data-parallel-address", "-dpa"),
    _declared(ARG_UTILS, 1271, "--data-parallel-rpc-port", "-dpp"),
    _declared(ARG_UTILS, 1278, "--data-parallel-backend", "-dpb"),
    _declared(ARG_UTILS, 1285, "--data-parallel-hybrid-lb", "-dph", boolean=True),
    _declared(ARG_UTILS, 1290, "--data-parallel-external-lb", "-dpe", boolean=True),
    _declared(ARG_UTILS, 1295, "--data-parallel-multi-port-external-lb", "-dpm"),
    _declared(ARG_UTILS, 1303, "--enable-hc-sp", boolean=True),
    _declared(ARG_UTILS, 1305, "--enable-expert-parallel", "-ep", boolean=True),
    _declared(ARG_UTILS, 1310, "--enable-batch-sharded-sampling", boolean=True),
    _declared(ARG_UTILS, 1314, "--enable-ep-weight-filter", boolean=True),
    _declared(ARG_UTILS, 1318, "--all2all-backend"),
    _declared(ARG_UTILS, 1320, "--enable-dbo", boolean=True),
    _declared(ARG_UTILS, 1322, "--enable-shm-tensor-arena", boolean=True),
    _declared(ARG_UTILS, 1326, "--ubatch-size"),
    _declared(ARG_UTILS, 1330, "--enable-elastic-ep", boolean=True),
    _declared(ARG_UTILS, 1333, "--elastic-ep-max-dp-size"),
    _declared(ARG_UTILS, 1337, "--dbo-decode-token-threshold"),
    _declared(ARG_UTILS, 1341, "--dp-sync-interval"),
    _declared(ARG_UTILS, 1345, "--dbo-prefill-token-threshold"),
    _declared(ARG_UTILS, 1349, "--disable-nccl-for-dp-synchronization", boolean=True),
    _declared(ARG_UTILS, 1352, "--enable-eplb", boolean=True),
    _declared(ARG_UTILS, 1353, "--eplb-config"),
    _declared(ARG_UTILS, 1355, "--expert-placement-strategy"),
    _declared(ARG_UTILS, 1360, "--max-parallel-loading-workers"),
    _declared(ARG_UTILS, 1364, "--ray-workers-use-nsight", boolean=True),
    _declared(ARG_UTILS, 1367, "--disable-custom-all-reduce", boolean=True),
    _declared(ARG_UTILS, 1370, "--worker-cls"),
    _declared(ARG_UTILS, 1372, "--worker-extension-cls"),
    _declared(ARG_UTILS, 1375, "--enable-fault-tolerance", boolean=True),
    _declared(ARG_UTILS, 1378, "--fault-tolerance-config"),
    _declared(ARG_UTILS, 1387, "--block-size"),
    _declared(ARG_UTILS, 1389, "--gpu-memory-utilization", "--device-memory-utilization"),
    _declared(ARG_UTILS, 1395, "--kv-cache-memory-bytes"),
    _declared(ARG_UTILS, 1397, "--kv-cache-dtype"),
    _declared(ARG_UTILS, 1399, "--num-gpu-blocks-override"),
    _declared(ARG_UTILS, 1402, "--enable-prefix-caching", boolean=True),
    _declared(ARG_UTILS, 1409, "--prefix-caching-hash-algo"),
    _declared(ARG_UTILS, 1412, "--prefix-cache-retention-interval"),
    _declared(ARG_UTILS, 1416, "--kv-cache-dtype-skip-layers"),
    _declared(ARG_UTILS, 1419, "--kv-sharing-fast-prefill", boolean=True),
    _declared(ARG_UTILS, 1422, "--swa-bounded-replay", boolean=True),
    _declared(ARG_UTILS, 1425, "--mamba-cache-dtype"),
    _declared(ARG_UTILS, 1428, "--mamba-ssm-cache-dtype"),
    _declared(ARG_UTILS, 1431, "--mamba-block-size"),
    _declared(ARG_UTILS, 1434, "--prefix-match-unit"),
    _declared(ARG_UTILS, 1437, "--mamba-cache-mode"),
    _declared(ARG_UTILS, 1445, "--enable-mamba-shared-prefix-checkpoint", boolean=True),
    _declared(ARG_UTILS, 1449, "--replayssm-buffer-len"),
    _declared(ARG_UTILS, 1451, "--use-replayssm", boolean=True),
    _declared(ARG_UTILS, 1453, "--kv-offloading-size"),
    _declared(ARG_UTILS, 1456, "--kv-offloading-backend"),
    _declared(ARG_UTILS, 1468, "--offload-backend"),
    _declared(ARG_UTILS, 1470, "--cpu-offload-gb"),
    _declared(ARG_UTILS, 1472, "--cpu-offload-params"),
    _declared(ARG_UTILS, 1475, "--offload-group-size"),
    _declared(ARG_UTILS, 1479, "--offload-num-in-group"),
    _declared(ARG_UTILS, 1483, "--offload-prefetch-step"),
    _declared(ARG_UTILS, 1487, "--offload-params"),
    _declared(ARG_UTILS, 1497, "--language-model-only", boolean=True),
    _declared(ARG_UTILS, 1500, "--limit-mm-per-prompt"),
    _declared(ARG_UTILS, 1503, "--enable-mm-embeds", boolean=True),
    _declared(ARG_UTILS, 1506, "--media-io-kwargs"),
    _declared(ARG_UTILS, 1509, "--mm-processor-kwargs"),
    _declared(ARG_UTILS, 1512, "--mm-processor-cache-gb"),
    _declared(ARG_UTILS, 1515, "--mm-processor-cache-type"),
    _declared(ARG_UTILS, 1518, "--mm-hasher-algorithm"),
    _declared(ARG_UTILS, 1521, "--mm-shm-cache-max-object-size-mb"),
    _declared(ARG_UTILS, 1525, "--mm-encoder-only", boolean=True),
    _declared(ARG_UTILS, 1528, "--mm-encoder-tp-mode"),
    _declared(ARG_UTILS, 1531, "--mm-encoder-attn-backend"),
    _declared(ARG_UTILS, 1535, "--mm-encoder-attn-dtype"),
    _declared(ARG_UTILS, 1539, "--mm-encoder-fp8-scale-path"),
    _declared(ARG_UTILS, 1543, "--mm-encoder-fp8-scale-save-path"),
    _declared(ARG_UTILS, 1547, "--mm-encoder-fp8-scale-save-margin"),
    _declared(ARG_UTILS, 1551, "--interleave-mm-strings", boolean=True),
    _declared(ARG_UTILS, 1554, "--skip-mm-profiling", boolean=True),
    _declared(ARG_UTILS, 1558, "--video-pruning-rate"),
    _declared(ARG_UTILS, 1561, "--video-pruning-method"),
    _declared(ARG_UTILS, 1565, "--mm-tensor-ipc"),
    _declared(ARG_UTILS, 1568, "--mm-processor-device"),
    _declared(ARG_UTILS, 1592, "--mm-ipc-gpu-memory-gb"),
    _declared(ARG_UTILS, 1596, "--mm-device-do-normalize", boolean=True),
    _declared(ARG_UTILS, 1610, "--enable-lora", boolean=True),
    _declared(ARG_UTILS, 1614, "--max-loras"),
    _declared(ARG_UTILS, 1615, "--max-lora-rank"),
    _declared(ARG_UTILS, 1617, "--lora-dtype"),
    _declared(ARG_UTILS, 1621, "--enable-tower-connector-lora", boolean=True),
    _declared(ARG_UTILS, 1624, "--max-cpu-loras"),
    _declared(ARG_UTILS, 1626, "--fully-sharded-loras", boolean=True),
    _declared(ARG_UTILS, 1629, "--lora-target-modules"),
    _declared(ARG_UTILS, 1631, "--default-mm-loras"),
    _declared(ARG_UTILS, 1633, "--specialize-active-lora", boolean=True),
    _declared(ARG_UTILS, 1636, "--enable-mixed-moe-lora-format", boolean=True),
    _declared(ARG_UTILS, 1640, "--enable-moe-shared-loras", boolean=True),
    _declared(ARG_UTILS, 1644, "--max-lora-cls-labels"),
    _declared(ARG_UTILS, 1655, "--logging-config"),
    _declared(ARG_UTILS, 1657, "--log-level"),
    _declared(ARG_UTILS, 1666, "--log-config-file"),
    _declared(ARG_UTILS, 1683, "--show-hidden-metrics-for-version"),
    _declared(ARG_UTILS, 1687, "--otlp-traces-endpoint"),
    _declared(ARG_UTILS, 1690, "--collect-detailed-traces"),
    _declared(ARG_UTILS, 1694, "--per-request-spec-decode-metrics"),
    _declared(ARG_UTILS, 1698, "--kv-cache-metrics", boolean=True),
    _declared(ARG_UTILS, 1701, "--kv-cache-metrics-sample"),
    _declared(ARG_UTILS, 1705, "--custom-histogram-buckets"),
    _declared(ARG_UTILS, 1709, "--cudagraph-metrics", boolean=True),
    _declared(ARG_UTILS, 1713, "--enable-layerwise-nvtx-tracing", boolean=True),
    _declared(ARG_UTILS, 1717, "--enable-mfu-metrics", boolean=True),
    _declared(ARG_UTILS, 1721, "--enable-logging-iteration-details", boolean=True),
    _declared(ARG_UTILS, 1725, "--jit-monitor-mode"),
    _declared(ARG_UTILS, 1729, "--jit-monitor-verbose", boolean=True),
    _declared(ARG_UTILS, 1740, "--max-num-batched-tokens"),
    _declared(ARG_UTILS, 1747, "--max-num-scheduled-tokens"),
    _declared(ARG_UTILS, 1754, "--max-num-seqs"),
    _declared(ARG_UTILS, 1761, "--max-num-active-seqs"),
    _declared(ARG_UTILS, 1765, "--max-num-queued-reqs"),
    _declared(ARG_UTILS, 1768, "--max-num-queued-tokens"),
    _declared(ARG_UTILS, 1772, "--long-prefill-token-threshold"),
    _declared(ARG_UTILS, 1776, "--long-prefill-token-threshold-adaptive", boolean=True),
    _declared(ARG_UTILS, 1782, "--scheduling-policy"),
    _declared(ARG_UTILS, 1785, "--enable-chunked-prefill", boolean=True),
    _declared(ARG_UTILS, 1792, "--disable-chunked-mm-input", boolean=True),
    _declared(ARG_UTILS, 1795, "--scheduler-cls"),
    _declared(ARG_UTILS, 1798, "--scheduler-reserve-full-isl", boolean=True),
    _declared(ARG_UTILS, 1801, "--watermark"),
    _declared(ARG_UTILS, 1803, "--prefill-schedule-interval"),
    _declared(ARG_UTILS, 1807, "--disable-hybrid-kv-cache-manager", boolean=True),
    _declared(ARG_UTILS, 1811, "--async-scheduling", boolean=True),
    _declared(ARG_UTILS, 1814, "--stream-interval"),
    _declared(ARG_UTILS, 1824, "--cudagraph-capture-sizes"),
    _declared(ARG_UTILS, 1827, "--max-cudagraph-capture-size"),
    _declared(ARG_UTILS, 1837, "--ir-op-priority"),
    _declared(ARG_UTILS, 1839, "--enable-flashinfer-autotune", boolean=True),
    _declared(ARG_UTILS, 1842, "--monokernel", boolean=True),
    _declared(ARG_UTILS, 1845, "--moe-backend"),
    _declared(ARG_UTILS, 1848, "--linear-backend"),
    _declared(ARG_UTILS, 1852, "--sparse-indexer-topk-backend"),
    _declared(ARG_UTILS, 1866, "--speculative-config", "-sc"),
    _declared(ARG_UTILS, 1869, "--spec-method"),
    _declared(ARG_UTILS, 1870, "--spec-model"),
    _declared(ARG_UTILS, 1872, "--spec-tokens"),
    _declared(ARG_UTILS, 1875, "--watermark-config"),
    _declared(ARG_UTILS, 1878, "--diffusion-config", "-dc"),
    _declared(ARG_UTILS, 1881, "--kv-transfer-config"),
    _declared(ARG_UTILS, 1883, "--kv-events-config"),
    _declared(ARG_UTILS, 1885, "--ec-transfer-config"),
    _declared(ARG_UTILS, 1888, "--ec-manager-config"),
    _declared(ARG_UTILS, 1891, "--compilation-config", "-cc"),
    _declared(ARG_UTILS, 1894, "--attention-config", "-ac"),
    _declared(ARG_UTILS, 1896, "--engram-config"),
    _declared(ARG_UTILS, 1897, "--reasoning-config"),
    _declared(ARG_UTILS, 1898, "--kernel-config"),
    _declared(ARG_UTILS, 1900, "--additional-config"),
    _declared(ARG_UTILS, 1903, "--structured-outputs-config"),
    _declared(ARG_UTILS, 1906, "--aux-output-config"),
    _declared(ARG_UTILS, 1908, "--profiler-config"),
    _declared(ARG_UTILS, 1909, "--watchdog-config"),
    _declared(ARG_UTILS, 1911, "--optimization-level"),
    _declared(ARG_UTILS, 1913, "--performance-mode"),
    _declared(ARG_UTILS, 1915, "--weight-transfer-config"),
    _declared(ARG_UTILS, 1920, "--disable-log-stats"),
    _declared(ARG_UTILS, 1926, "--aggregate-engine-logging"),
    _declared(ARG_UTILS, 1933, "--fail-on-environ-validation", boolean=True),
    _declared(ARG_UTILS, 1941, "--shutdown-timeout"),
    _declared(ARG_UTILS, 1948, "--gdn-prefill-backend"),
    _declared(ARG_UTILS, 1955, "--kda-prefill-backend"),
    _declared(ARG_UTILS, 1963, "--kda-decode-backend"),
    # AsyncEngineArgs.add_cli_args (arg_utils.py:3250-3271)
    _declared(ARG_UTILS, 3260, "--enable-log-requests", boolean=True),
)

# argparse's own help option (add_help): `vllm serve` prints its help and exits 0 instead of serving.
HELP_OPTIONS = ("-h", "--help")

# Accepted by the parser, refused with the chart's command line: the chart starts each engine as
# `vllm serve <modelURL> --host 0.0.0.0 --port ...` (vllm-stack 0.1.12, templates/deployment-vllm-multi.yaml:133-138),
# and `vllm serve` moves the value of a `--model` to the front as the model (vllm/utils/argparse_utils.py:324-354),
# which leaves the chart's <modelURL> a second positional argument that argparse refuses as unrecognized.
MODEL_OPTION = "--model"


@dataclass(frozen=True)
class RemovedFlag:
    """A flag old tutorials still show that `vllm serve` 0.33.0 rejects: it is in none of SERVE_OPTIONS' forms, nor a
    unique prefix of one (`--device` is a prefix of two, `--device-ids` and `--device-memory-utilization`, which
    argparse refuses as ambiguous)."""

    flag: str
    removed_in: str | None  # the first release without it; None where no source read pins the release
    why: str
    instead: str
    evidence: str  # where the removal (and its release) was read


REMOVED_FLAGS: tuple[RemovedFlag, ...] = (
    RemovedFlag(
        "--swap-space",
        "0.18.0",
        "the V1 engine keeps no CPU swap space",
        "remove it (to keep KV cache in CPU memory, use --kv-offloading-size)",
        "vllm-project/vllm#36216 removed --swap-space from EngineArgs (merged 2026-03-06); unslothai/unsloth-zoo#1210 "
        "read EngineArgs of every release: present up to 0.17.1, absent from 0.18.0",
    ),
    RemovedFlag(
        "--task",
        "0.13.0",
        "--runner and --convert replaced it",
        "use --runner pooling for an embedding, reranking or reward model (with --convert embed|classify|reward to "
        "adapt a generative one)",
        "vllm-project/vllm#21470 deprecated it for --runner/--convert; #30397 removed it (merged 2025-12-10); "
        "gpustack/gpustack#3991: vLLM 0.13.0 rejects --task=embed; 0.33.0's own error hint names the same "
        "replacement (vllm/utils/argparse_utils.py:188-194)",
    ),
    RemovedFlag(
        "--device",
        "0.10.0",
        "vLLM detects its platform; the flag had no effect",
        "remove it (to pick GPUs, use --device-ids)",
        "vllm-project/vllm#18399 deprecated it, #21349 removed it for v0.10; EleutherAI/lm-evaluation-harness#3176: "
        "removed in 0.10.0",
    ),
    RemovedFlag(
        "--worker-use-ray",
        "0.7.0",
        "--distributed-executor-backend replaced it",
        "use --distributed-executor-backend ray",
        "vllm-project/vllm#5944 (the same as --distributed-executor-backend ray, deprecated since 0.4.3); "
        "OpenRLHF/OpenRLHF#702: worker_use_ray is gone in vLLM 0.7.0 (vllm-project/vllm#12383)",
    ),
    RemovedFlag(
        "--max-seq-len-to-capture",
        "0.11.0",
        "CUDA graphs are captured up to --max-cudagraph-capture-size",
        "remove it (or use --max-cudagraph-capture-size)",
        "vllm-project/vllm#25543 removed max_seq_len_to_capture; NVIDIA-NeMo/Curator#1200 dropped it for vLLM 0.11.0",
    ),
    RemovedFlag(
        "--num-scheduler-steps",
        None,
        "multi-step scheduling went with the V0 engine",
        "remove it",
        "vllm-project/vllm#22138 removed multi-step scheduling and #22779 its arguments (merged 2025-08-13); 0.33.0 "
        "notes it at vllm/engine/arg_utils.py:1779-1780",
    ),
    RemovedFlag(
        "--use-v2-block-manager",
        None,
        "block manager v2 became the only one, then went with the V0 engine",
        "remove it",
        "vllm-project/vllm#8704 made it a no-op and deprecated it; #13492 removed the last references",
    ),
    RemovedFlag(
        "--guided-decoding-backend",
        None,
        "--structured-outputs-config replaced every --guided-decoding-* flag",
        "use --structured-outputs-config.backend <name>",
        "vllm-project/vllm#22772 (committed 2025-09-18): no --guided-decoding-* option any more",
    ),
)
# Not here: --disable-log-requests. 0.33.0 accepts it as the inverse of --enable-log-requests
# (vllm/engine/arg_utils.py:3260 with vllm/utils/argparse_utils.py:120-145), so it is not refused.


# --- dtype -------------------------------------------------------------------------------------------------------

FLOAT16_DTYPES = ("half", "float16")  # both map to torch.float16: vllm/config/model.py:2384-2390

# HF `model_type` -> vLLM's reason. `_check_valid_dtype` raises "The model type ... does not support float16"
# (vllm/config/model.py:2413-2420) from `_get_and_verify_dtype` (model.py:2467-2518, called by ModelConfig at
# model.py:806) for these model types: vllm/config/model.py:2397-2403.
FLOAT16_REFUSED: dict[str, str] = {
    "gemma2": "numerical instability",
    "gemma3": "numerical instability",
    "gemma3_text": "numerical instability",
    "glm4": "numerical instability",
}


@dataclass(frozen=True)
class ModelFamily:
    """Model types of FLOAT16_REFUSED, recognised by the Hugging Face model id alone: vLLM reads `model_type` from
    the checkpoint's config.json, which synth cannot; an id outside these patterns is not checked."""

    name: str
    model_types: tuple[str, ...]
    id_pattern: str  # a regular expression searched in the id, case-insensitively
    example: str  # the id vLLM's own test registry uses for the architecture


# Examples: tests/models/registry.py of vllm-project/vllm (Gemma2ForCausalLM, Gemma3ForCausalLM, Glm4ForCausalLM);
# not in the wheel. `gemma-3n-` (model type gemma3n) and `glm-4-9b-chat` (chatglm / glm) are other types.
MODEL_FAMILIES: tuple[ModelFamily, ...] = (
    ModelFamily("Gemma 2", ("gemma2",), r"(?:^|/)gemma-2-", "google/gemma-2-9b"),
    ModelFamily("Gemma 3", ("gemma3", "gemma3_text"), r"(?:^|/)gemma-3-", "google/gemma-3-1b-it"),
    ModelFamily("GLM-4-0414", ("glm4",), r"(?:^|/)glm-4-[^/]*0414", "zai-org/GLM-4-9B-0414"),
)

# bfloat16 needs compute capability 8.0 (T4 is 7.5): the worker calls `check_if_supports_dtype`
# (vllm/v1/worker/gpu_worker.py:498), which raises "Bfloat16 is only supported on GPUs with compute capability of
# at least 8.0" on CUDA (vllm/platforms/cuda.py:638-656). catalogue/machines.py's GPU_FACTS[...].bfloat16 says which
# GPUs have it.

# `auto` is not refused: vLLM picks the first of the platform's dtypes the model type allows (vllm/config/model.py:
# 2423-2464): on CUDA below 8.0 that list is float16, float32 (vllm/platforms/cuda.py:256-266), so a FLOAT16_REFUSED
# model on a T4 runs in float32, with a warning only ("Falling back to ... for compatibility", model.py:2457-2462).


# --- kvaware routing --------------------------------------------------------------------------------------------

# LMCache is not part of vLLM 0.33.0: the wheel's METADATA names no `lmcache` requirement, not even as an extra, and
# its connector imports the package only when asked for (vllm/distributed/kv_transfer/kv_connector/v1/
# lmcache_connector.py:93-105). The router's kvaware logic asks LMCache's controller, which it runs in-process, where
# a prefix's KV cache is (vllm-project/production-stack src/vllm_router/routers/routing_logic.py, KvawareRouter),
# and falls back to session or QPS routing when no engine reported it.
