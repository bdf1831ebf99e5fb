using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;

namespace AnarchoRedis.Benchmarks;

/// <summary>
/// Times anti-entropy passes (<c>--antientropy</c>): for each key count, on 3 fresh redis-servers, load the keys through
/// the SDK at W=All, then for each divergence fraction make that many keys newer on nodes 0 and 1 than on node 2
/// (written by a client that reaches only those two nodes: the same scripts, digests included), and time a digest
/// pass that repairs them; then make the same keys divergent again and time a SCAN pass on the same data. Also
/// measures what the slot digests and indexes cost in memory per key (the same keys loaded with digests on and off).
/// </summary>
internal static class AntiEntropyBench
{
    private const int ListLength = 5;
    private const int HashSlotCount = 16384;

    public static async Task<int> RunAsync(BenchArguments options, string redisPath, string[] args)
    {
        var loadBefore = Program.LoadAverage();
        var figures = new AntiEntropyFigures();
        var failed = false;
        try
        {
            foreach (var count in options.MemoryKeys)
            {
                figures.Memory.Add(await MeasureMemoryAsync(options, redisPath, count));
            }

            foreach (var count in options.KeyCounts)
            {
                await RunKeyCountAsync(options, redisPath, count, figures);
            }
        }
        catch (Exception ex)
        {
            // Whatever was measured before the failure is still reported, marked as such.
            Console.Error.WriteLine($"The benchmark failed: {ex}");
            figures.Notes.Add($"The run failed before it ended: {ex.GetType().Name}: {ex.Message}");
            failed = true;
        }

        var report = AntiEntropyFigures.Markdown(Describe(options, redisPath, args, loadBefore, Program.LoadAverage()), figures);
        Console.WriteLine(report);
        if (options.Out is { } path)
        {
            Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
            await File.WriteAllTextAsync(path, report);
            Console.Error.WriteLine($"Written to {path}");
        }

        return failed || figures.Notes.Count > 0 ? 1 : 0;
    }

    private static async Task RunKeyCountAsync(BenchArguments options, string redisPath, int count, AntiEntropyFigures figures)
    {
        var keys = new BenchKeys(count, options.ListFraction);
        await using var cluster = await BenchCluster.StartAsync(redisPath, options, slotDigests: true);
        Console.Error.WriteLine($"== {count:N0} keys ({keys.Values:N0} values, {keys.Lists:N0} lists of {ListLength}) on fresh redis-servers {string.Join(", ", cluster.Servers.EndPoints)}");

        var load = await LoadAsync(cluster, keys, options.LoadInFlight);
        figures.Loads.Add(new LoadFigures(count, keys.Values, keys.Lists, load.Elapsed, load.ClientCpu, load.ServerCpu));
        Console.Error.WriteLine($"  loaded in {load.Elapsed.TotalSeconds:0.0} s ({count / load.Elapsed.TotalSeconds:N0} keys/s; client CPU {load.ClientCpu.TotalSeconds:0.0} s, redis CPU {load.ServerCpu.TotalSeconds:0.0} s)");

        // Untimed: runs the digest path once (JIT) and checks that a W=All load left every slot in sync.
        var warmup = await PassAsync(cluster, AntiEntropyPassMode.Digests, "warm-up digest pass");
        Expect(figures, warmup.Report.SlotsDiffering == 0 && warmup.Report.KeysRepaired == 0, $"{count:N0} keys: after the W=All load, {warmup.Report.SlotsDiffering} slots differed and {warmup.Report.KeysRepaired} keys were repaired");
        Expect(figures, warmup.Report.SlotsCompared == HashSlotCount, $"{count:N0} keys: the digest pass compared {warmup.Report.SlotsCompared} slots, not {HashSlotCount}");

        // Untimed: two repairing passes of each mode run every repair path often enough to be compiled and tiered up, so
        // the timed rows measure the code as a running service has it, not its first calls (cold, the JIT took about a
        // third of the client's CPU in the first repairing pass).
        var round = 0;
        var warm = Math.Min(count / 10, 2_000);
        for (var i = 0; i < 2 && warm > 0; i++)
        {
            await DivergeAsync(cluster, keys, warm, ++round, options.LoadInFlight);
            await PassAsync(cluster, AntiEntropyPassMode.Digests, "warm-up repairing digest pass");
            await DivergeAsync(cluster, keys, warm, ++round, options.LoadInFlight);
            await PassAsync(cluster, AntiEntropyPassMode.Scan, "warm-up repairing SCAN pass");
        }

        foreach (var fraction in options.Divergence)
        {
            var divergent = (int)Math.Round(fraction * count, MidpointRounding.AwayFromZero);
            var row = $"{count:N0} keys, divergence {fraction}";
            Console.Error.WriteLine($"  divergence {fraction:0.####}: {divergent:N0} keys");
            if (divergent == 0)
            {
                var inSyncDigest = await PassAsync(cluster, AntiEntropyPassMode.Digests, "digest pass");
                var inSyncScan = await PassAsync(cluster, AntiEntropyPassMode.Scan, "SCAN pass");
                Expect(figures, inSyncDigest.Report.KeysRepaired == 0 && inSyncScan.Report.KeysRepaired == 0, $"{row}: in sync, yet the passes repaired {inSyncDigest.Report.KeysRepaired} (digest) and {inSyncScan.Report.KeysRepaired} (SCAN) keys");
                Expect(figures, inSyncDigest.Report.IsClean && inSyncScan.Report.IsClean, $"{row}: problems in a pass ({inSyncDigest.Report.ProblemCount} digest, {inSyncScan.Report.ProblemCount} SCAN)");
                figures.Rows.Add(new RowFigures(count, fraction, 0, default, inSyncDigest, inSyncScan, null, null));
                continue;
            }

            var diverged = await DivergeAsync(cluster, keys, divergent, ++round, options.LoadInFlight);
            var digest = await PassAsync(cluster, AntiEntropyPassMode.Digests, "digest pass");
            var afterDigest = await CheckAsync(cluster, keys, divergent, figures, $"{row}: after the digest pass's repairs");

            // The same keys, newer again on nodes 0 and 1: the SCAN pass gets the very divergence the digest pass had.
            await DivergeAsync(cluster, keys, divergent, ++round, options.LoadInFlight);
            var scan = await PassAsync(cluster, AntiEntropyPassMode.Scan, "SCAN pass");
            var afterScan = await CheckAsync(cluster, keys, divergent, figures, $"{row}: after the SCAN pass's repairs");

            Expect(figures, digest.Report.KeysRepaired == divergent, $"{row}: the digest pass repaired {digest.Report.KeysRepaired} keys, {divergent} were divergent");
            Expect(figures, scan.Report.KeysRepaired == divergent, $"{row}: the SCAN pass repaired {scan.Report.KeysRepaired} keys, {divergent} were divergent");
            Expect(figures, digest.Report.IsClean && scan.Report.IsClean, $"{row}: problems in a pass ({digest.Report.ProblemCount} digest, {scan.Report.ProblemCount} SCAN)");
            figures.Rows.Add(new RowFigures(count, fraction, divergent, diverged, digest, scan, afterDigest, afterScan));
        }
    }

    /// <summary>
    /// A digest pass right after a repairing pass: a repair that converged leaves every slot's digests equal, so this
    /// pass must find nothing. When it does, the state of a few divergent keys on every node goes to the report.
    /// </summary>
    private static async Task<PassFigures> CheckAsync(BenchCluster cluster, BenchKeys keys, int divergent, AntiEntropyFigures figures, string what)
    {
        var check = await PassAsync(cluster, AntiEntropyPassMode.Digests, "check digest pass");
        if (check.Report.SlotsDiffering == 0 && check.Report.KeysRepaired == 0)
        {
            return check;
        }

        Expect(figures, false, $"{what}, a digest pass still found {check.Report.SlotsDiffering} slots differing and repaired {check.Report.ValuesRepaired} values and {check.Report.ListsRepaired} lists again");
        if (figures.Diagnosed.Add(what[..what.IndexOf(':', StringComparison.Ordinal)]))
        {
            // Both kinds, first divergent keys of each: what every node holds (meta, slot index entry, slot sum).
            var sample = keys.Order.Take(divergent).Where(keys.IsList).Take(1).Concat(keys.Order.Take(divergent).Where(i => !keys.IsList(i)).Take(1));
            foreach (var i in sample)
            {
                var key = keys[i];
                var slot = HashSlot.Of(key);
                var states = await cluster.Probe.KeyStateAsync(cluster.Client.Keys.MetaKey(key), cluster.Client.SlotKeys.IndexKey(slot), cluster.Client.SlotKeys.DigestKey(slot), key);
                var text = $"{what}: `{key}` (slot {slot}) on each node after that check pass: " + string.Join("; ", states.Select((s, n) => $"node {n}: {s}"));
                Console.Error.WriteLine("  " + text);
                figures.Diagnostics.Add(text);
            }
        }

        return check;
    }

    private static void Expect(AntiEntropyFigures figures, bool condition, string message)
    {
        if (!condition)
        {
            Console.Error.WriteLine("  UNEXPECTED: " + message);
            figures.Notes.Add(message);
        }
    }

    /// <summary>The same keys loaded on fresh servers with slot digests on, then on other fresh servers with them off.</summary>
    private static async Task<MemoryFigures> MeasureMemoryAsync(BenchArguments options, string redisPath, int count)
    {
        var keys = new BenchKeys(count, options.ListFraction);
        var runs = new List<(long[] Before, long[] After, long[] DbSize, TimeSpan Load)>();
        foreach (var slotDigests in new[] { true, false })
        {
            await using var cluster = await BenchCluster.StartAsync(redisPath, options, slotDigests);
            var before = await cluster.Probe.UsedMemoryAsync();
            var (load, _, _) = await LoadAsync(cluster, keys, options.LoadInFlight);
            var after = await cluster.Probe.UsedMemoryAsync();
            var dbSize = await cluster.Probe.DbSizeAsync();
            runs.Add((before, after, dbSize, load));
            Console.Error.WriteLine($"== memory, {count:N0} keys, slot digests {(slotDigests ? "on" : "off")}: loaded in {load.TotalSeconds:0.0} s; used_memory {string.Join(" / ", before)} -> {string.Join(" / ", after)}; DBSIZE {string.Join(" / ", dbSize)}");
        }

        return new MemoryFigures(
            count,
            keys.Lists,
            runs[0].After.Zip(runs[0].Before, (a, b) => a - b).ToArray(),
            runs[1].After.Zip(runs[1].Before, (a, b) => a - b).ToArray(),
            runs[0].DbSize,
            runs[1].DbSize);
    }

    private static async Task<(TimeSpan Elapsed, TimeSpan ClientCpu, TimeSpan ServerCpu)> LoadAsync(BenchCluster cluster, BenchKeys keys, int inFlight)
    {
        var value = cluster.Workload.Value;
        var elements = Enumerable.Repeat(value, ListLength).ToArray();
        var clientCpu = ClientCpu();
        var serverCpu = cluster.Probe.ServerCpu();
        var elapsed = await ForEachAsync(keys.Count, inFlight, async i =>
        {
            if (keys.IsList(i))
            {
                await cluster.Lists.PushRightAsync(keys[i], elements, WriteOptions.All).ConfigureAwait(false);
            }
            else
            {
                await cluster.Values.SetAsync(keys[i], value, WriteOptions.All).ConfigureAwait(false);
            }
        });
        return (elapsed, ClientCpu() - clientCpu, cluster.Probe.ServerCpu() - serverCpu);
    }

    /// <summary>Rewrites the first <paramref name="count"/> keys of the fixed random order on nodes 0 and 1 only.</summary>
    private static async Task<TimeSpan> DivergeAsync(BenchCluster cluster, BenchKeys keys, int count, int round, int inFlight)
    {
        var original = cluster.Workload.Value;
        var changed = new BenchValue { Id = original.Id, Name = original.Name, Email = original.Email, Score = original.Score + round, Note = original.Note };
        var order = keys.Order;
        var elapsed = await ForEachAsync(count, inFlight, async n =>
        {
            var i = order[n];
            if (keys.IsList(i))
            {
                await cluster.PartialLists.PushRightAsync(keys[i], changed, WriteOptions.All).ConfigureAwait(false);
            }
            else
            {
                await cluster.PartialValues.SetAsync(keys[i], changed, WriteOptions.All).ConfigureAwait(false);
            }
        });
        Console.Error.WriteLine($"    made {count:N0} keys divergent in {elapsed.TotalSeconds:0.00} s");
        return elapsed;
    }

    private static async Task<PassFigures> PassAsync(BenchCluster cluster, AntiEntropyPassMode mode, string label)
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        var commandsBefore = await cluster.Probe.CommandsProcessedAsync();
        var scriptsBefore = await cluster.Probe.ScriptCallsAsync();
        var serverCpuBefore = cluster.Probe.ServerCpu();
        var clientCpuBefore = ClientCpu();
        var allocatedBefore = GC.GetTotalAllocatedBytes(precise: true);
        cluster.Profiler?.Start();
        var report = await cluster.Runner.RunPassAsync(mode, new ConsoleProgress(label));
        var profile = cluster.Profiler?.Stop(12);
        var allocated = GC.GetTotalAllocatedBytes(precise: true) - allocatedBefore;
        var clientCpu = ClientCpu() - clientCpuBefore;
        var serverCpu = cluster.Probe.ServerCpu() - serverCpuBefore;
        var commandsAfter = await cluster.Probe.CommandsProcessedAsync();
        var scripts = (await cluster.Probe.ScriptCallsAsync()).Zip(scriptsBefore, (a, b) => a - b).Sum();

        // The probe's own INFO calls (commandstats once, stats once in between) are not the pass's.
        var commands = commandsAfter.Zip(commandsBefore, (a, b) => a - b - 2).Sum();
        Console.Error.WriteLine($"    {label}: {report}; client CPU {clientCpu.TotalSeconds:0.00} s, redis CPU {serverCpu.TotalSeconds:0.00} s, {commands:N0} node commands ({scripts:N0} script calls)");
        foreach (var problem in report.Problems.Take(5))
        {
            Console.Error.WriteLine($"      problem: {problem}");
        }

        return new PassFigures(report, clientCpu, serverCpu, commands, scripts, allocated) { AllocationProfile = profile };
    }

    private static TimeSpan ClientCpu()
    {
        using var self = Process.GetCurrentProcess();
        return self.TotalProcessorTime;
    }

    /// <summary>Runs <paramref name="op"/> for 0..count-1, <paramref name="inFlight"/> at a time; the first failure ends the run.</summary>
    private static async Task<TimeSpan> ForEachAsync(int count, int inFlight, Func<int, Task> op)
    {
        var watch = Stopwatch.StartNew();
        var next = -1;
        var workers = new Task[Math.Min(inFlight, Math.Max(1, count))];
        for (var w = 0; w < workers.Length; w++)
        {
            workers[w] = Task.Run(async () =>
            {
                int i;
                while ((i = Interlocked.Increment(ref next)) < count)
                {
                    await op(i).ConfigureAwait(false);
                }
            });
        }

        await Task.WhenAll(workers);
        return watch.Elapsed;
    }

    private static IReadOnlyList<(string Name, string Value)> Describe(BenchArguments options, string redisPath, string[] args, string loadBefore, string loadAfter)
    {
        var cpu = "?";
        try
        {
            cpu = File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal))?.Split(':', 2)[1].Trim() ?? "?";
        }
        catch (IOException)
        {
            // Not Linux: the core count below still says something.
        }

        var passOptions = new AntiEntropyOptions();
        return
        [
            ("Finished (UTC)", DateTimeOffset.UtcNow.ToString("yyyy-MM-dd HH:mm", System.Globalization.CultureInfo.InvariantCulture)),
            ("Machine", $"{Environment.ProcessorCount} logical cores ({cpu}), {System.Runtime.InteropServices.RuntimeInformation.OSDescription}; the driver and all 3 redis-servers share these cores, as do other users' builds (1-min load average {loadBefore} at start, {loadAfter} at end)"),
            (".NET", $"{System.Runtime.InteropServices.RuntimeInformation.FrameworkDescription}, {(System.Runtime.GCSettings.IsServerGC ? "server" : "workstation")} GC"),
            ("Redis", RedisServers.Version(redisPath) + " x 3, `--save '' --appendonly no`, loopback, fresh servers for every key count and every memory measurement"),
            ("Data", $"values of ~{options.ValueBytes} B payload (MessagePack of the benchmark model); {options.ListFraction * 100:0.#}% of the keys are lists of {ListLength} such elements (one push of {ListLength}); loaded with the SDK at W=All, {options.LoadInFlight} writes in flight"),
            ("Divergence", $"the first round(d x keys) keys of a fixed random order (values and lists alike) are rewritten (values: a new value; lists: one more element pushed) by a second SDK client configured with nodes 0 and 1 only, W=All of those 2: newer on nodes 0 and 1, stale on node 2, digests and indexes kept by the same scripts. Made again before the SCAN pass, so that both passes repair the same keys"),
            ("Passes", $"AntiEntropyRunner.RunPassAsync(Digests | Scan) on a client of all 3 nodes; MaxKeysPerSecond = 0 (unthrottled), Concurrency = {options.AntiEntropyConcurrency}, SlotBatchSize = {passOptions.SlotBatchSize}; seconds are the report's Duration"),
            ("Command", "dotnet run -c Release --project benchmarks/AnarchoRedis.Benchmarks --" + (args.Length == 0 ? string.Empty : " " + string.Join(' ', args))),
        ];
    }

    /// <summary>Prints a pass's progress at most every 10 s, so that long SCAN passes show they are moving.</summary>
    private sealed class ConsoleProgress(string label) : IProgress<AntiEntropyProgress>
    {
        private readonly Stopwatch _watch = Stopwatch.StartNew();
        private long _lastMs;

        public void Report(AntiEntropyProgress value)
        {
            var now = _watch.ElapsedMilliseconds;
            var last = Interlocked.Read(ref _lastMs);
            if (now - last < 10_000 || Interlocked.CompareExchange(ref _lastMs, now, last) != last)
            {
                return;
            }

            Console.Error.WriteLine($"      {label}, {now / 1000} s: {value.Phase} {value.Done:N0}/{value.Total:N0}, {value.KeysCompared:N0} compared, {value.KeysRepaired:N0} repaired");
        }
    }
}
