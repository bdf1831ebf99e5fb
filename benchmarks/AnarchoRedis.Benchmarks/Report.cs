using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text;

namespace AnarchoRedis.Benchmarks;

internal static class Report
{
    public static string Markdown(IReadOnlyList<(string Name, string Value)> environment, IReadOnlyList<CaseResult> results, BenchArguments options)
    {
        var inv = CultureInfo.InvariantCulture;
        var n = options.Nodes;
        var q = (n / 2) + 1;
        var text = new StringBuilder();
        text.AppendLine("### Environment").AppendLine();
        foreach (var (name, value) in environment)
        {
            text.AppendLine(inv, $"- {name}: {value}");
        }

        text.AppendLine().AppendLine("### Results").AppendLine();
        text.AppendLine(inv, $"| case | op | ops/s | p50 µs | p99 µs | p99.9 µs | alloc B/op | client CPU µs/op | redis CPU µs/op ({n} nodes) | redis µs/EVALSHA | EVALSHA/op | GCs gen0/1/2 | errors |");
        text.AppendLine("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
        foreach (var r in results)
        {
            var script = r.ScriptCalls == 0 ? "-" : r.ScriptUsPerCall.ToString("N2", inv);
            var calls = r.ScriptCalls == 0 ? "-" : r.ScriptCallsPerOp.ToString("N2", inv);
            text.AppendLine(inv, $"| {r.Group} | {r.Operation} | {r.OpsPerSecond:N0} | {r.P50Us:N0} | {r.P99Us:N0} | {r.P999Us:N0} | {r.AllocatedBytesPerOp:N0} | {r.ClientCpuUsPerOp:N1} | {r.ServerCpuUsPerOp:N1} | {script} | {calls} | {r.Gen0}/{r.Gen1}/{r.Gen2} | {r.Errors} |");
        }

        var ratios = new List<string>();
        void Ratio(string name, string numerator, string denominator, string setOp = "SET", string getOp = "GET")
        {
            string Cell(string op)
            {
                var a = results.FirstOrDefault(r => r.Group.StartsWith(numerator, StringComparison.Ordinal) && r.Operation == op);
                var b = results.FirstOrDefault(r => r.Group.StartsWith(denominator, StringComparison.Ordinal) && r.Operation == op);
                return a is null || b is null || b.OpsPerSecond == 0
                    ? "n/a"
                    : string.Create(inv, $"{a.OpsPerSecond / b.OpsPerSecond:0.00}x (client CPU/op {a.ClientCpuUsPerOp / Math.Max(0.001, b.ClientCpuUsPerOp):0.00}x, alloc/op {a.AllocatedBytesPerOp / Math.Max(1, b.AllocatedBytesPerOp):0.00}x{Script(a, b)})");
            }

            static string Script(CaseResult a, CaseResult b) =>
                a.ScriptCalls == 0 || b.ScriptCalls == 0 ? string.Empty : string.Create(CultureInfo.InvariantCulture, $", redis µs/EVALSHA {a.ScriptUsPerCall / b.ScriptUsPerCall:0.00}x");

            var set = Cell(setOp);
            var get = Cell(getOp);
            if (set != "n/a" || get != "n/a")
            {
                ratios.Add($"| {name} | {set} | {get} |");
            }
        }

        var sdk = $"5. SDK, W=R={q} of {n} (quorum)";
        var sdkNoDigest = $"5. SDK, W=R={q} of {n}, no slot digests";
        var lists = $"L3. SDK lists, W=R={q} of {n}";
        Ratio($"SDK W=R={q} / bare SDK scripts", sdk, "3.");
        Ratio($"SDK W=R={q} / minimal versioned script", sdk, "4.");
        Ratio("bare SDK scripts / minimal versioned script", "3.", "4.");
        Ratio($"plain fan-out {q} of {n} / raw 1 node", "2.", "1.");
        Ratio("minimal versioned / plain fan-out", "4.", "2.");
        Ratio($"SDK W=R={q}: slot digests on / off", sdk, sdkNoDigest);
        Ratio("bare SDK scripts: slot digests on / off", $"3. bare SDK scripts, {q} of {n}", "3. bare SDK scripts, no slot digests");
        Ratio($"SDK R={q}: read sent to {q} nodes (hedged) / to all {n}", $"6. SDK, R={q} of {n}", sdk);
        Ratio($"SDK R=1: read sent to 1 node (hedged) / to all {n}", $"6. SDK, R=1 of {n}", $"5. SDK, W=R=1 of {n} (one)");
        Ratio($"lists: SDK W=R={q}: slot digests on / off (PUSH, RANGE 0..9)", lists, $"L3. SDK lists, W=R={q} of {n}, no slot digests", "PUSH", "RANGE 0..9");
        Ratio("lists: bare SDK list scripts: slot digests on / off (PUSH, RANGE 0..9)", $"L2. bare SDK list scripts, {q} of {n}", "L2. bare SDK list scripts, no slot digests", "PUSH", "RANGE 0..9");
        Ratio($"lists: SDK W=R={q} / bare SDK list scripts (PUSH, RANGE 0..9)", lists, "L2.", "PUSH", "RANGE 0..9");
        Ratio($"lists: SDK W=R={q} / plain LPUSH, LRANGE fan-out (PUSH, RANGE 0..9)", lists, "L1.", "PUSH", "RANGE 0..9");
        Ratio("lists: bare SDK list scripts / plain LPUSH, LRANGE fan-out (PUSH, RANGE 0..9)", "L2.", "L1.", "PUSH", "RANGE 0..9");
        Ratio($"lists: SDK R={q}: read sent to {q} nodes (hedged) / to all {n} (RANGE 0..9)", $"L4. SDK lists, R={q} of {n}", lists, "PUSH", "RANGE 0..9");
        Ratio($"lists: SDK R=1: read sent to 1 node (hedged) / to all {n} (RANGE 0..9)", $"L4. SDK lists, R=1 of {n}", $"L3. SDK lists, W=R=1 of {n}", "PUSH", "RANGE 0..9");
        if (ratios.Count > 0)
        {
            text.AppendLine().AppendLine("Ratios within this run: throughput (client CPU per op, allocation per op):").AppendLine();
            text.AppendLine("| ratio | SET (lists: PUSH) | GET (lists: RANGE 0..9) |").AppendLine("|---|---:|---:|");
            foreach (var line in ratios)
            {
                text.AppendLine(line);
            }
        }

        if (results.Any(r => r.AllocationProfile is { Count: > 0 }))
        {
            text.AppendLine().AppendLine("### Sampled allocations by type (GC AllocationTick, share of bytes)").AppendLine();
            foreach (var r in results.Where(r => r.AllocationProfile is { Count: > 0 }))
            {
                var top = string.Join("; ", r.AllocationProfile!.Select(p => string.Create(inv, $"`{p.Type}` {p.Share * 100:0}%")));
                text.Append("- ").Append(r.Group).Append(' ').Append(r.Operation).Append(": ").AppendLine(top);
            }
        }

        return text.ToString();
    }
}
