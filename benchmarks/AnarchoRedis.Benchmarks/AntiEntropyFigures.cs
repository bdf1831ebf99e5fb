using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text;

namespace AnarchoRedis.Benchmarks;

internal sealed record LoadFigures(int Keys, int Values, int Lists, TimeSpan Elapsed, TimeSpan ClientCpu, TimeSpan ServerCpu);

/// <summary>One timed pass: its report, and what it cost the driver and the servers.</summary>
internal sealed record PassFigures(AntiEntropyReport Report, TimeSpan ClientCpu, TimeSpan ServerCpu, long NodeCommands, long ScriptCalls, long AllocatedBytes)
{
    public double Seconds => Report.Duration.TotalSeconds;

    /// <summary>With --alloc-profile: the sampled share of allocated bytes by type.</summary>
    public IReadOnlyList<(string Type, double Share)>? AllocationProfile { get; init; }
}

/// <summary>One divergence fraction: the two timed passes, and the digest passes that checked each one's repairs (none when in sync).</summary>
internal sealed record RowFigures(int Keys, double Divergence, int Divergent, TimeSpan Diverged, PassFigures Digest, PassFigures Scan, PassFigures? CheckAfterDigest, PassFigures? CheckAfterScan);

/// <summary>used_memory growth per node over loading the same keys with slot digests on and off.</summary>
internal sealed record MemoryFigures(int Keys, int Lists, long[] GrowthOn, long[] GrowthOff, long[] DbSizeOn, long[] DbSizeOff)
{
    public double BytesPerKeyOn => GrowthOn.Average() / Keys;

    public double BytesPerKeyOff => GrowthOff.Average() / Keys;

    public double OverheadPerKey => BytesPerKeyOn - BytesPerKeyOff;
}

/// <summary>What an anti-entropy benchmark run measured, and its Markdown report.</summary>
internal sealed class AntiEntropyFigures
{
    private const double SpeedupTarget = 20;
    private const double RepairRateTarget = 10_000;

    public List<LoadFigures> Loads { get; } = [];

    public List<RowFigures> Rows { get; } = [];

    public List<MemoryFigures> Memory { get; } = [];

    /// <summary>Anything the run did not expect (a pass that repaired another count, problems, digests still differing).</summary>
    public List<string> Notes { get; } = [];

    /// <summary>What some keys looked like on every node when a check found a repair that did not converge.</summary>
    public List<string> Diagnostics { get; } = [];

    /// <summary>The checks already diagnosed (one dump per row and pass is enough).</summary>
    public HashSet<string> Diagnosed { get; } = new(StringComparer.Ordinal);

    public static string Markdown(IReadOnlyList<(string Name, string Value)> environment, AntiEntropyFigures figures)
    {
        var inv = CultureInfo.InvariantCulture;
        var text = new StringBuilder();
        text.AppendLine("### Environment").AppendLine();
        foreach (var (name, value) in environment)
        {
            text.AppendLine(inv, $"- {name}: {value}");
        }

        if (figures.Loads.Count > 0)
        {
            text.AppendLine().AppendLine("### Loads (SDK, W=All, slot digests on)").AppendLine();
            text.AppendLine("| keys | values | lists | load s | keys/s | client CPU µs/key | redis CPU µs/key (3 nodes) |").AppendLine("|---:|---:|---:|---:|---:|---:|---:|");
            foreach (var load in figures.Loads)
            {
                text.AppendLine(inv, $"| {load.Keys:N0} | {load.Values:N0} | {load.Lists:N0} | {load.Elapsed.TotalSeconds:0.0} | {load.Keys / load.Elapsed.TotalSeconds:N0} | {load.ClientCpu.TotalMicroseconds / load.Keys:0} | {load.ServerCpu.TotalMicroseconds / load.Keys:0} |");
            }
        }

        if (figures.Rows.Count > 0)
        {
            text.AppendLine().AppendLine("### Passes").AppendLine();
            text.AppendLine("Repair rate = keys repaired / digest pass seconds. Marginal repair rate = keys repaired / (digest pass seconds − the in-sync digest pass seconds at that key count): the rate of the repair work alone, without the fixed cost of reading 16,384 digests from 3 nodes.").AppendLine();
            text.AppendLine("| keys | divergence | divergent keys | digest pass s | SCAN pass s | speedup (SCAN / digest) | keys repaired (digest / SCAN) | repair rate keys/s | marginal repair rate keys/s |");
            text.AppendLine("|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
            foreach (var row in figures.Rows)
            {
                var inSync = figures.Rows.FirstOrDefault(r => r.Keys == row.Keys && r.Divergent == 0);
                var rate = row.Divergent == 0 ? "–" : (row.Digest.Report.KeysRepaired / row.Digest.Seconds).ToString("N0", inv);
                var marginal = row.Divergent == 0 || inSync is null || row.Digest.Seconds <= inSync.Digest.Seconds
                    ? "–"
                    : (row.Digest.Report.KeysRepaired / (row.Digest.Seconds - inSync.Digest.Seconds)).ToString("N0", inv);
                text.AppendLine(inv, $"| {row.Keys:N0} | {row.Divergence:0.####} | {row.Divergent:N0} | {row.Digest.Seconds:0.000} | {row.Scan.Seconds:0.000} | {row.Scan.Seconds / row.Digest.Seconds:0.0}x | {row.Digest.Report.KeysRepaired:N0} / {row.Scan.Report.KeysRepaired:N0} | {rate} | {marginal} |");
            }

            text.AppendLine().AppendLine("### Pass details").AppendLine();
            text.AppendLine("Node commands: the growth of `total_commands_processed` summed over the 3 nodes; it counts a script call and every command the script runs. Script calls: EVALSHA/EVAL calls (INFO commandstats), summed over the nodes. CPU from /proc (10 ms granularity). A check is an extra digest pass run right after a repairing pass (not part of the timed figures): when the repairs converged, it finds every slot in sync and repairs nothing.").AppendLine();
            text.AppendLine("| keys | divergence | pass | s | slots differing | keys compared | values + lists repaired | client CPU s | redis CPU s (3 nodes) | node commands | script calls | allocated MB | problems |");
            text.AppendLine("|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
            foreach (var row in figures.Rows)
            {
                void Line(string name, PassFigures pass)
                {
                    var r = pass.Report;
                    text.AppendLine(inv, $"| {row.Keys:N0} | {row.Divergence:0.####} | {name} | {pass.Seconds:0.000} | {(r.Mode == AntiEntropyPassMode.Scan ? "–" : r.SlotsDiffering.ToString("N0", inv))} | {r.KeysCompared:N0} | {r.ValuesRepaired:N0} + {r.ListsRepaired:N0} | {pass.ClientCpu.TotalSeconds:0.00} | {pass.ServerCpu.TotalSeconds:0.00} | {pass.NodeCommands:N0} | {pass.ScriptCalls:N0} | {pass.AllocatedBytes / 1048576.0:N0} | {r.ProblemCount} |");
                }

                Line("digest", row.Digest);
                if (row.CheckAfterDigest is { } afterDigest)
                {
                    Line("check after digest", afterDigest);
                }

                Line("SCAN", row.Scan);
                if (row.CheckAfterScan is { } afterScan)
                {
                    Line("check after SCAN", afterScan);
                }
            }
        }

        if (figures.Memory.Count > 0)
        {
            text.AppendLine().AppendLine("### Memory of the slot digests and indexes").AppendLine();
            text.AppendLine("The same keys loaded with the SDK at W=All on fresh servers, once with `SlotDigests = true` and once with `false`; `used_memory` (INFO memory) of each node after the load minus before it.").AppendLine();
            text.AppendLine("| keys | slot digests | used_memory growth per node (bytes) | bytes per key (mean of nodes) | DBSIZE per node |");
            text.AppendLine("|---:|---|---:|---:|---:|");
            foreach (var m in figures.Memory)
            {
                text.AppendLine(inv, $"| {m.Keys:N0} | on | {string.Join(" / ", m.GrowthOn.Select(g => g.ToString("N0", inv)))} | {m.BytesPerKeyOn:0.0} | {string.Join(" / ", m.DbSizeOn.Select(g => g.ToString("N0", inv)))} |");
                text.AppendLine(inv, $"| {m.Keys:N0} | off | {string.Join(" / ", m.GrowthOff.Select(g => g.ToString("N0", inv)))} | {m.BytesPerKeyOff:0.0} | {string.Join(" / ", m.DbSizeOff.Select(g => g.ToString("N0", inv)))} |");
            }

            text.AppendLine();
            foreach (var m in figures.Memory)
            {
                text.AppendLine(inv, $"- {m.Keys:N0} keys: the digests and indexes cost **{m.OverheadPerKey:0.0} bytes per key** per node ({m.OverheadPerKey / m.BytesPerKeyOff:P0} over the {m.BytesPerKeyOff:0} bytes per key without them).");
            }
        }

        if (figures.Rows.Count > 0)
        {
            text.AppendLine().AppendLine("### Targets").AppendLine();
            foreach (var row in figures.Rows.Where(r => r.Divergent == 0))
            {
                var speedup = row.Scan.Seconds / row.Digest.Seconds;
                text.AppendLine(inv, $"- In-sync pass over {row.Keys:N0} keys: digest {row.Digest.Seconds:0.000} s, SCAN {row.Scan.Seconds:0.000} s, **{speedup:0.0}x** (target ≥ {SpeedupTarget:0}x at 1,000,000 keys{(row.Keys < 1_000_000 ? ": not this key count" : speedup >= SpeedupTarget ? ": met" : ": not met")}).");
            }

            foreach (var row in figures.Rows.Where(r => r.Divergent > 0))
            {
                var rate = row.Digest.Report.KeysRepaired / row.Digest.Seconds;
                text.AppendLine(inv, $"- Repairs, {row.Keys:N0} keys, {row.Divergent:N0} divergent: **{rate:N0} keys/s** over the whole digest pass (target ≥ {RepairRateTarget:N0} keys/s: {(rate >= RepairRateTarget ? "met" : "not met")}).");
            }
        }

        if (figures.Notes.Count > 0)
        {
            text.AppendLine().AppendLine("### Unexpected").AppendLine();
            foreach (var note in figures.Notes)
            {
                text.AppendLine("- " + note);
            }
        }

        if (figures.Rows.Any(r => r.Digest.AllocationProfile is { Count: > 0 }))
        {
            text.AppendLine().AppendLine("### Sampled allocations by type (GC AllocationTick, share of bytes)").AppendLine();
            foreach (var row in figures.Rows)
            {
                foreach (var (name, pass) in new[] { ("digest", row.Digest), ("SCAN", row.Scan) })
                {
                    if (pass.AllocationProfile is { Count: > 0 } profile)
                    {
                        var top = string.Join("; ", profile.Select(p => string.Create(inv, $"`{p.Type}` {p.Share * 100:0}%")));
                        text.AppendLine(inv, $"- {row.Keys:N0} keys, divergence {row.Divergence:0.####}, {name} pass ({pass.AllocatedBytes / 1048576.0:N0} MB): {top}");
                    }
                }
            }
        }

        if (figures.Diagnostics.Count > 0)
        {
            text.AppendLine().AppendLine("### Diagnostics").AppendLine();
            foreach (var line in figures.Diagnostics)
            {
                text.AppendLine("- " + line);
            }
        }

        return text.ToString();
    }
}
