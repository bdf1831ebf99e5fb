using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Runtime.InteropServices;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using HdrHistogram;
using StackExchange.Redis;

namespace AnarchoRedis.Benchmarks;

/// <summary>
/// How costs grow (<c>--growth</c>): with the value size (SET, GET, read repair and anti-entropy repair of one stale
/// replica, W=R=2 of 3), with the list length (one more push, the first 10 elements, the whole list, the repair of one
/// missed push by a read and by an anti-entropy pass), and with the node count (100-byte values, W=R=majority).
/// Every phase runs on its own fresh redis-servers. A replica is made stale by a second SDK client that knows every
/// node but the last one: what it writes, the last node misses.
/// </summary>
internal static class GrowthBench
{
    /// <summary>The list phase's element: a ~100-byte MessagePack model, as in the other list benchmarks.</summary>
    private const int ElementBytes = 100;

    /// <summary>Elements per multi-element push while building a list.</summary>
    private const int BuildBatch = 1_000;

    /// <summary>Pushes timed per list length (spread over the length's lists, so short lists grow at most 2x).</summary>
    private const int PushCount = 500;

    /// <summary>Elements per list length (as ceil(this / length) lists, 1 to 50): enough lists that one anti-entropy pass repairs measurably more than its fixed cost.</summary>
    private const int ListElementsPerLength = 20_000;

    /// <summary>A bound on the operations of one time-bounded row (the row's duration ends it first, normally).</summary>
    private const int MaxRowOperations = 20_000;

    /// <summary>Payload bytes stored per value size (keys x size), so that 1 MiB values do not fill the machine's memory.</summary>
    private const long ValueBudgetBytes = 32L * 1024 * 1024;

    public static async Task<int> RunAsync(BenchArguments options, string redisPath, string[] args)
    {
        var loadBefore = Program.LoadAverage();
        var started = DateTimeOffset.UtcNow;
        var figures = new Figures();
        var failed = false;
        try
        {
            if (options.GrowthSizes.Count > 0)
            {
                await using var cluster = await GrowthCluster.StartAsync(redisPath, 3, options);
                Console.Error.WriteLine($"== values by size: 3 redis-servers (pids {string.Join(", ", cluster.Servers.ProcessIds)})");
                await WarmUpValuesAsync(cluster, options);
                foreach (var size in options.GrowthSizes)
                {
                    figures.Values.Add(await MeasureValuesAsync(cluster, options, figures, size, SizeLabel(size)));
                }
            }

            if (options.GrowthLengths.Count > 0)
            {
                await using var cluster = await GrowthCluster.StartAsync(redisPath, 3, options);
                Console.Error.WriteLine($"== lists by length: 3 redis-servers (pids {string.Join(", ", cluster.Servers.ProcessIds)})");
                await WarmUpListsAsync(cluster, options);
                foreach (var length in options.GrowthLengths)
                {
                    figures.Lists.Add(await MeasureListsAsync(cluster, options, figures, length));
                }
            }

            foreach (var nodes in options.GrowthNodes)
            {
                await using var cluster = await GrowthCluster.StartAsync(redisPath, nodes, options);
                Console.Error.WriteLine($"== N = {nodes}: {nodes} redis-servers (pids {string.Join(", ", cluster.Servers.ProcessIds)})");
                await WarmUpValuesAsync(cluster, options);
                figures.NodeCounts.Add(await MeasureValuesAsync(cluster, options, figures, 100, nodes.ToString(CultureInfo.InvariantCulture)));
            }
        }
        catch (Exception ex)
        {
            // What was measured before the failure is still reported, marked as such.
            Console.Error.WriteLine($"The benchmark failed: {ex}");
            figures.Notes.Add($"The run failed before it ended: {ex.GetType().Name}: {ex.Message}");
            failed = true;
        }

        var report = Markdown(Describe(options, redisPath, args, started, loadBefore, Program.LoadAverage()), figures);
        Console.WriteLine(report);
        if (options.Out is { } path)
        {
            Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
            await File.WriteAllTextAsync(path, report);
            Console.Error.WriteLine($"Written to {path}");
        }

        var errors = figures.Values.Concat(figures.NodeCounts).SelectMany(v => v.Rows).Concat(figures.Lists.SelectMany(l => l.Rows)).Sum(r => r.Result.Errors);
        return failed || errors > 0 || figures.Notes.Count > 0 ? 1 : 0;
    }

    /// <summary>
    /// One value size (or node count) on <paramref name="cluster"/>: SET at W=majority and GET at R=majority under
    /// time-bounded load; then rounds of: every key made stale on the last node and read once each with R=All (the
    /// blocking read repair rewrites the last node), then the same keys read in sync; then pairs of anti-entropy digest
    /// passes, one with nothing to do and one that repairs every key made stale again.
    /// </summary>
    private static async Task<ValueFigures> MeasureValuesAsync(GrowthCluster cluster, BenchArguments options, Figures figures, int size, string label)
    {
        var workload = new Workload(1, size);
        var value = workload.Value;
        var payload = workload.Payload.Length;
        var keyCount = (int)Math.Clamp(ValueBudgetBytes / size, 16, 1_000);
        var keys = Enumerable.Range(0, keyCount).Select(i => string.Create(CultureInfo.InvariantCulture, $"v:{label}-{size}-{i}")).ToArray();
        var n = cluster.NodeCount;
        var q = (n / 2) + 1;
        var pids = cluster.Servers.ProcessIds;
        var result = new ValueFigures(label, size, payload, keyCount, n);
        Console.Error.WriteLine($"  {label}: payload {payload:N0} B, {keyCount:N0} keys");

        var driver = new LoadDriver(options.InFlight, options.Warmup, options.Duration, keyCount, pids, scriptStats: cluster.RedisCpuAsync);
        var set = result.Add($"SET, W={q}", payload);
        await driver.RunAsync(set, k => cluster.Values.SetAsync(keys[k], value, WriteOptions.Quorum));
        await driver.FillAsync(k => cluster.Values.SetAsync(keys[k], value, WriteOptions.All));
        var get = result.Add($"GET, R={q}", payload);
        await driver.RunAsync(get, k => cluster.Values.GetAsync(keys[k], ReadOptions.Quorum));
        Expect(figures, await cluster.Values.GetAsync(keys[0], ReadOptions.All) is { Id: 4242 } read && read.Note.Length == value.Note.Length, $"{label}: the value read back differs");
        Console.Error.WriteLine($"    SET {set.OpsPerSecond:N0}/s, GET {get.OpsPerSecond:N0}/s");

        // Read repair: in each round every key is made stale and then read exactly once (a second read would find it
        // repaired); rounds until about two row durations have passed.
        var repair = result.Add("GET, R=All, last node stale (blocking read repair)", payload);
        var watch = Stopwatch.StartNew();
        var round = 0;
        do
        {
            await MakeStaleAsync(cluster, keys, value, ++round, options.InFlight);
            var stale = await cluster.StaleCountAsync(keys);
            Expect(figures, stale == keyCount, $"{label}: after the partial writes only {stale} of {keyCount} keys were stale on the last node");
            await RunBoundedAsync(repair, keyCount, options.InFlight, Timeout.InfiniteTimeSpan, pids, k => cluster.Values.GetAsync(keys[k], ReadOptions.All), cluster.RedisCpuAsync);
            var leftStale = await cluster.StaleCountAsync(keys);
            Expect(figures, leftStale == 0, $"{label}: {leftStale} keys still stale on the last node after the read repair");
        }
        while (round < 10 && watch.Elapsed < options.Duration * 2);

        result.Rounds = round;
        var inSync = result.Add("GET, R=All, in sync (same keys)", payload);
        await WarmUpRowAsync(options, pids, k => cluster.Values.GetAsync(keys[k % keyCount], ReadOptions.All));
        await RunBoundedAsync(inSync, keyCount * round, options.InFlight, options.Duration, pids, k => cluster.Values.GetAsync(keys[k % keyCount], ReadOptions.All), cluster.RedisCpuAsync);
        Console.Error.WriteLine($"    read repair ({round} round(s)): p50 {repair.P50Us:N0} µs vs {inSync.P50Us:N0} µs in sync");

        // Anti-entropy, in rounds: the fixed cost of a pass over all slots first, then a pass with every key stale again.
        watch.Restart();
        do
        {
            await PassAsync(cluster, result.PassInSync, $"{label} in-sync pass");
            await MakeStaleAsync(cluster, keys, value, ++round, options.InFlight);
            await PassAsync(cluster, result.PassRepair, $"{label} repairing pass");
            var leftStale = await cluster.StaleCountAsync(keys);
            Expect(figures, leftStale == 0, $"{label}: {leftStale} keys left stale after an anti-entropy pass");
        }
        while (result.PassRepair.Passes < 5 && watch.Elapsed < options.Duration * 2);

        Expect(figures, result.PassInSync.KeysRepaired == 0, $"{label}: the in-sync passes repaired {result.PassInSync.KeysRepaired} keys");
        Expect(figures, result.PassRepair.ValuesRepaired == (long)keyCount * result.PassRepair.Passes, $"{label}: {result.PassRepair.Passes} passes repaired {result.PassRepair.ValuesRepaired} values, {keyCount} stale keys each");
        Expect(figures, result.PassRepair.Problems == 0, $"{label}: the passes reported {result.PassRepair.Problems} problems");
        return result;
    }

    /// <summary>
    /// One list length: build the lists, time RANGE 0..9 and the full RANGE at R=2, then the read repair of one missed
    /// push (rounds of: a push the last node misses, then RANGE 0..9 at R=All on each list) against the same read in
    /// sync, then pairs of anti-entropy passes (in sync; one missed push per list), then PUSH one at a time and several
    /// in flight (last: the pushes grow the lists).
    /// </summary>
    private static async Task<ListFigures> MeasureListsAsync(GrowthCluster cluster, BenchArguments options, Figures figures, int length)
    {
        var workload = new Workload(1, ElementBytes);
        var element = workload.Value;
        var elementBytes = workload.Payload.Length;
        var lists = Math.Clamp((ListElementsPerLength + length - 1) / length, 1, 50);
        var keys = Enumerable.Range(0, lists).Select(i => string.Create(CultureInfo.InvariantCulture, $"l:{length}-{i}")).ToArray();
        var pids = cluster.Servers.ProcessIds;
        var label = length.ToString("N0", CultureInfo.InvariantCulture);
        var result = new ListFigures(length, lists, elementBytes);

        // Build: batches of up to 1,000 elements per multi-element push, all nodes.
        var batch = Enumerable.Repeat(element, Math.Min(BuildBatch, length)).ToArray();
        var watch = Stopwatch.StartNew();
        await ForEachAsync(lists, options.InFlight, async i =>
        {
            for (var done = 0; done < length; done += batch.Length)
            {
                var count = Math.Min(batch.Length, length - done);
                await cluster.Lists.PushRightAsync(keys[i], count == batch.Length ? batch : batch[..count], WriteOptions.All);
            }
        });
        result.Build = watch.Elapsed;
        var built = await cluster.LengthsAsync(keys[0]);
        Expect(figures, built.All(l => l == length), $"{label}: built lists of {string.Join("/", built)} elements, expected {length}");
        Console.Error.WriteLine($"  {label}: {lists} list(s) built in {result.Build.TotalSeconds:0.00} s");

        var range = result.Add("RANGE 0..9, R=2", Math.Min(10, length) * elementBytes);
        await WarmUpRowAsync(options, pids, i => cluster.Lists.RangeAsync(keys[i % lists], 0, 9, ReadOptions.Quorum));
        await RunBoundedAsync(range, MaxRowOperations, options.InFlight, options.Duration, pids, i => cluster.Lists.RangeAsync(keys[i % lists], 0, 9, ReadOptions.Quorum), cluster.RedisCpuAsync);
        var full = result.Add("RANGE all, R=2 (1 in flight)", (long)length * elementBytes);
        // One at a time: the whole list is O(length) per read anyway, and four concurrent reads of 100,000 elements
        // (~14 MB per node reply, three nodes each) outlasted a 5 s node timeout on this machine.
        var fullOptions = options with { InFlight = 1 };
        await WarmUpRowAsync(fullOptions, pids, i => cluster.Lists.RangeAsync(keys[i % lists], 0, -1, ReadOptions.Quorum));
        await RunBoundedAsync(full, MaxRowOperations, 1, options.Duration, pids, i => cluster.Lists.RangeAsync(keys[i % lists], 0, -1, ReadOptions.Quorum), cluster.RedisCpuAsync);
        Expect(figures, (await cluster.Lists.RangeAsync(keys[0], 0, -1, ReadOptions.Quorum)).Count == length, $"{label}: the full range has another length");
        Console.Error.WriteLine($"    RANGE 0..9 {range.OpsPerSecond:N0}/s, RANGE all {full.OpsPerSecond:N0}/s");

        // The SDK's own count of full-list repairs (merge written back to a node): one per list and round in the read
        // repair rows (which checks the counting), and it tells whether a push row paid for one.
        using var repairs = new ListRepairCounter();
        var repairsBefore = repairs.Snapshot();

        // Read repair of one missed push per list, in rounds until about two row durations have passed.
        var repair = result.Add("RANGE 0..9, R=All, one push missed by the last node (blocking repair)", Math.Min(10, length) * elementBytes);
        var rounds = 0;
        watch.Restart();
        do
        {
            rounds++;
            await ForEachAsync(lists, options.InFlight, i => cluster.PartialLists.PushLeftAsync(keys[i], element, WriteOptions.All).AsTask());
            var diverged = await cluster.LengthsAsync(keys[0]);
            Expect(figures, diverged[^1] == diverged[0] - 1, $"{label}: after the partial push the last node holds {diverged[^1]} elements, node 0 {diverged[0]}");
            await RunBoundedAsync(repair, lists, options.InFlight, Timeout.InfiniteTimeSpan, pids, i => cluster.Lists.RangeAsync(keys[i], 0, 9, ReadOptions.All), cluster.RedisCpuAsync);
        }
        while (rounds < 40 && watch.Elapsed < options.Duration * 2);

        result.Rounds = rounds;
        var repairsAfter = repairs.Snapshot();
        result.ReadRepairs = repairsAfter.Blocking - repairsBefore.Blocking;
        Expect(figures, result.ReadRepairs == (long)lists * rounds, $"{label}: the SDK counted {result.ReadRepairs} blocking list repairs in the read repair rows, expected {lists * rounds}");
        result.ReadRepairVerified = await cluster.ListsEqualAsync(keys);
        Expect(figures, result.ReadRepairVerified, $"{label}: after the read repair the last node's lists differ from node 0's");
        var inSync = result.Add("RANGE 0..9, R=All, in sync (same lists)", Math.Min(10, length) * elementBytes);
        await WarmUpRowAsync(options, pids, i => cluster.Lists.RangeAsync(keys[i % lists], 0, 9, ReadOptions.All));
        await RunBoundedAsync(inSync, Math.Max(lists * rounds, 100), options.InFlight, options.Duration, pids, i => cluster.Lists.RangeAsync(keys[i % lists], 0, 9, ReadOptions.All), cluster.RedisCpuAsync);
        Console.Error.WriteLine($"    read repair ({rounds} round(s)): p50 {repair.P50Us:N0} µs vs {inSync.P50Us:N0} µs in sync");

        watch.Restart();
        do
        {
            await PassAsync(cluster, result.PassInSync, $"{label} in-sync pass");
            await ForEachAsync(lists, options.InFlight, i => cluster.PartialLists.PushLeftAsync(keys[i], element, WriteOptions.All).AsTask());
            await PassAsync(cluster, result.PassRepair, $"{label} repairing pass");
        }
        while (result.PassRepair.Passes < 5 && watch.Elapsed < options.Duration * 2);

        result.PassVerified = await cluster.ListsEqualAsync(keys);
        Expect(figures, result.PassInSync.KeysRepaired == 0, $"{label}: the in-sync passes repaired {result.PassInSync.KeysRepaired} keys");
        Expect(figures, result.PassRepair.ListsRepaired == (long)lists * result.PassRepair.Passes && result.PassVerified, $"{label}: {result.PassRepair.Passes} passes repaired {result.PassRepair.ListsRepaired} lists, {lists} diverged each; last node equal to node 0: {result.PassVerified}");
        Expect(figures, result.PassRepair.Problems == 0, $"{label}: the passes reported {result.PassRepair.Problems} problems");

        // One at a time first: ids then reach every node in order, and each push takes the O(1) path of list_push.lua.
        // With several in flight, a push can reach a node after a newer one from the same client, and then takes the
        // path that reads the whole list to find its place (LRANGE 0 -1 and LINSERT): the second row shows how often
        // that happens and what it costs.
        var pushOne = result.Add("PUSH left 1 element, W=2, 1 in flight", elementBytes);
        await WarmUpRowAsync(options with { InFlight = 1 }, pids, i => cluster.Lists.PushLeftAsync(keys[(i + 1) % lists], element, WriteOptions.Quorum), PushCount / 10);
        var before = repairs.Snapshot();
        await RunBoundedAsync(pushOne, PushCount, 1, options.Duration, pids, i => cluster.Lists.PushLeftAsync(keys[i % lists], element, WriteOptions.Quorum), cluster.RedisCpuAsync);
        var between = repairs.Snapshot();
        var push = result.Add($"PUSH left 1 element, W=2, {options.InFlight} in flight", elementBytes);
        await cluster.ResetSlowLogAsync();
        await RunBoundedAsync(push, PushCount, options.InFlight, options.Duration, pids, i => cluster.Lists.PushLeftAsync(keys[i % lists], element, WriteOptions.Quorum), cluster.RedisCpuAsync);
        await Task.Delay(200); // background repairs started by late replies of the last pushes
        var after = repairs.Snapshot();

        // Which commands took 10 ms or more on a node during the concurrent PUSH row (Redis' slow log, default threshold):
        // tells a push that took list_push.lua's whole-list path from a full-list merge and repair.
        result.PushSlowCommands = await cluster.SlowLogAsync();
        if (result.PushSlowCommands.Length > 0)
        {
            Console.Error.WriteLine($"    slow commands in the {options.InFlight}-in-flight PUSH row: {result.PushSlowCommands}");
        }

        result.PushRepairs = string.Create(CultureInfo.InvariantCulture, $"{between.Blocking - before.Blocking}+{between.Background - before.Background} / {after.Blocking - between.Blocking}+{after.Background - between.Background}");
        Console.Error.WriteLine($"    PUSH {pushOne.OpsPerSecond:N0}/s (1 in flight), {push.OpsPerSecond:N0}/s ({options.InFlight} in flight); p99 {pushOne.P99Us:N0} / {push.P99Us:N0} µs");
        result.LengthAfter = (await cluster.LengthsAsync(keys[0]))[0];
        return result;
    }

    /// <summary>Runs the read-repair and anti-entropy paths once on a few keys, untimed (JIT, connection warm-up).</summary>
    private static async Task WarmUpValuesAsync(GrowthCluster cluster, BenchArguments options)
    {
        var value = new Workload(1, 100).Value;
        var keys = Enumerable.Range(0, 50).Select(i => string.Create(CultureInfo.InvariantCulture, $"v:warm-{i}")).ToArray();
        await ForEachAsync(keys.Length, options.InFlight, i => cluster.Values.SetAsync(keys[i], value, WriteOptions.All).AsTask());
        for (var round = 1; round <= 2; round++)
        {
            await MakeStaleAsync(cluster, keys, value, round, options.InFlight);
            await ForEachAsync(keys.Length, options.InFlight, i => cluster.Values.GetAsync(keys[i], ReadOptions.All).AsTask());
        }

        await MakeStaleAsync(cluster, keys, value, 3, options.InFlight);
        await cluster.Runner.RunPassAsync(AntiEntropyPassMode.Digests);
    }

    /// <summary>As <see cref="WarmUpValuesAsync"/>, for the list paths.</summary>
    private static async Task WarmUpListsAsync(GrowthCluster cluster, BenchArguments options)
    {
        var element = new Workload(1, ElementBytes).Value;
        var keys = Enumerable.Range(0, 20).Select(i => string.Create(CultureInfo.InvariantCulture, $"l:warm-{i}")).ToArray();
        var batch = Enumerable.Repeat(element, 20).ToArray();
        await ForEachAsync(keys.Length, options.InFlight, i => cluster.Lists.PushRightAsync(keys[i], batch, WriteOptions.All).AsTask());
        for (var round = 0; round < 2; round++)
        {
            await ForEachAsync(keys.Length, options.InFlight, i => cluster.PartialLists.PushLeftAsync(keys[i], element, WriteOptions.All).AsTask());
            await ForEachAsync(keys.Length, options.InFlight, i => cluster.Lists.RangeAsync(keys[i], 0, 9, ReadOptions.All).AsTask());
            await ForEachAsync(keys.Length, options.InFlight, i => cluster.Lists.RangeAsync(keys[i], 0, -1, ReadOptions.Quorum).AsTask());
            await ForEachAsync(keys.Length, options.InFlight, i => cluster.Lists.PushLeftAsync(keys[i], element, WriteOptions.Quorum).AsTask());
        }

        await ForEachAsync(keys.Length, options.InFlight, i => cluster.PartialLists.PushLeftAsync(keys[i], element, WriteOptions.All).AsTask());
        await cluster.Runner.RunPassAsync(AntiEntropyPassMode.Digests);
    }

    /// <summary>Rewrites every key through the client that does not know the last node: newer everywhere else.</summary>
    private static Task MakeStaleAsync(GrowthCluster cluster, string[] keys, BenchValue template, int round, int inFlight)
    {
        var changed = new BenchValue { Id = template.Id, Name = template.Name, Email = template.Email, Score = template.Score + round, Note = template.Note };
        return ForEachAsync(keys.Length, Math.Max(inFlight, 16), i => cluster.PartialValues.SetAsync(keys[i], changed, WriteOptions.All).AsTask());
    }

    /// <summary>Times one digest pass and adds it to <paramref name="into"/>.</summary>
    private static async Task PassAsync(GrowthCluster cluster, PassTotals into, string label)
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        var clientBefore = ClientCpu();
        var serverBefore = ServerCpu(cluster.Servers.ProcessIds);
        var redisBefore = await cluster.RedisCpuAsync();
        var report = await cluster.Runner.RunPassAsync(AntiEntropyPassMode.Digests);
        var serverCpu = ServerCpu(cluster.Servers.ProcessIds) - serverBefore;
        var clientCpu = ClientCpu() - clientBefore;
        var redisAfter = await cluster.RedisCpuAsync();
        into.Add(report, clientCpu, serverCpu, redisAfter.Usec - redisBefore.Usec);
        Console.Error.WriteLine($"    {label}: {report.Duration.TotalMilliseconds:N0} ms, {report.KeysRepaired:N0} keys repaired");
    }

    /// <summary>
    /// Runs <paramref name="op"/> for 0..count-1, <paramref name="inFlight"/> at a time, until all ran or
    /// <paramref name="maxTime"/> passed (<see cref="Timeout.InfiniteTimeSpan"/>: all of them), and adds what it
    /// measured to <paramref name="into"/> as <see cref="LoadDriver"/> does: latency per operation, the client's and the
    /// redis-servers' CPU time and the allocated bytes over the whole run. No warmup: the callers warm up beforehand.
    /// Several calls add up (rounds with untimed work in between).
    /// </summary>
    private static async Task RunBoundedAsync<T>(CaseResult into, int count, int inFlight, TimeSpan maxTime, IReadOnlyList<int> serverPids, Func<int, ValueTask<T>> op, Func<Task<(long Calls, long Usec)>>? redisCpu = null)
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        var workers = new Task[Math.Min(inFlight, count)];
        var histograms = new LongHistogram[workers.Length];
        var completed = new long[workers.Length];
        var errors = new long[workers.Length];
        var next = -1;
        var gen0 = GC.CollectionCount(0);
        var gen1 = GC.CollectionCount(1);
        var gen2 = GC.CollectionCount(2);
        var allocatedBefore = GC.GetTotalAllocatedBytes(precise: true);
        var clientBefore = ClientCpu();
        var serverBefore = ServerCpu(serverPids);
        var redisBefore = redisCpu is null ? default : await redisCpu().ConfigureAwait(false);
        var start = Stopwatch.GetTimestamp();
        var deadline = maxTime == Timeout.InfiniteTimeSpan ? long.MaxValue : start + (long)(maxTime.TotalSeconds * Stopwatch.Frequency);
        for (var w = 0; w < workers.Length; w++)
        {
            var index = w;
            histograms[w] = new LongHistogram(1, 60_000_000, 3);
            workers[w] = Task.Run(async () =>
            {
                int i;
                while (Stopwatch.GetTimestamp() < deadline && (i = Interlocked.Increment(ref next)) < count)
                {
                    var started = Stopwatch.GetTimestamp();
                    try
                    {
                        await op(i).ConfigureAwait(false);
                    }
                    catch (Exception ex)
                    {
                        if (errors[index]++ == 0)
                        {
                            Console.Error.WriteLine($"      error in {into.Group} {into.Operation}: {ex.GetType().Name}: {ex.Message}");
                        }

                        continue;
                    }

                    histograms[index].RecordValue(Math.Max(1, (Stopwatch.GetTimestamp() - started) * 1_000_000 / Stopwatch.Frequency));
                    completed[index]++;
                }
            });
        }

        await Task.WhenAll(workers).ConfigureAwait(false);
        var elapsed = Stopwatch.GetElapsedTime(start);
        var clientCpu = ClientCpu() - clientBefore;
        var serverCpu = ServerCpu(serverPids) - serverBefore;
        var allocated = GC.GetTotalAllocatedBytes(precise: true) - allocatedBefore;
        var redisAfter = redisCpu is null ? default : await redisCpu().ConfigureAwait(false);
        into.AddScripts(redisAfter.Calls - redisBefore.Calls, redisAfter.Usec - redisBefore.Usec);
        foreach (var histogram in histograms)
        {
            into.Latency.Add(histogram);
        }

        into.Add(completed.Sum(), errors.Sum(), elapsed, allocated, clientCpu, serverCpu, GC.CollectionCount(0) - gen0, GC.CollectionCount(1) - gen1, GC.CollectionCount(2) - gen2);
    }

    /// <summary>
    /// The row's operation for the warmup time (at most <paramref name="count"/> times), not recorded: the first row after
    /// a build or a fill otherwise pays for the garbage and the cold caches the build left behind.
    /// </summary>
    private static Task WarmUpRowAsync<T>(BenchArguments options, IReadOnlyList<int> pids, Func<int, ValueTask<T>> op, int count = MaxRowOperations) =>
        options.Warmup <= TimeSpan.Zero ? Task.CompletedTask : RunBoundedAsync(new CaseResult("warmup", "warmup"), count, options.InFlight, options.Warmup, pids, op);

    /// <summary>Runs <paramref name="op"/> for 0..count-1, <paramref name="inFlight"/> at a time; the first failure ends the run.</summary>
    private static async Task ForEachAsync(int count, int inFlight, Func<int, Task> op)
    {
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

        await Task.WhenAll(workers).ConfigureAwait(false);
    }

    private static TimeSpan ClientCpu()
    {
        using var self = Process.GetCurrentProcess();
        return self.TotalProcessorTime;
    }

    /// <summary>The summed CPU time of the redis-servers (from /proc; 10 ms granularity on Linux).</summary>
    private static TimeSpan ServerCpu(IReadOnlyList<int> pids)
    {
        var total = TimeSpan.Zero;
        foreach (var pid in pids)
        {
            using var server = Process.GetProcessById(pid);
            total += server.TotalProcessorTime;
        }

        return total;
    }

    private static void Expect(Figures figures, bool condition, string message)
    {
        if (!condition)
        {
            Console.Error.WriteLine("    UNEXPECTED: " + message);
            figures.Notes.Add(message);
        }
    }

    private static string SizeLabel(long bytes) => bytes switch
    {
        >= 1024 * 1024 when bytes % (1024 * 1024) == 0 => string.Create(CultureInfo.InvariantCulture, $"{bytes / (1024 * 1024)} MiB"),
        >= 1024 when bytes % 1024 == 0 => string.Create(CultureInfo.InvariantCulture, $"{bytes / 1024} KiB"),
        _ => string.Create(CultureInfo.InvariantCulture, $"{bytes} B"),
    };

    private static string Markdown(IReadOnlyList<(string Name, string Value)> environment, Figures figures)
    {
        var inv = CultureInfo.InvariantCulture;
        var text = new StringBuilder();
        text.AppendLine("### Environment").AppendLine();
        foreach (var (name, value) in environment)
        {
            text.AppendLine(inv, $"- {name}: {value}");
        }

        const string RowHeader = "| ops | ops/s | p50 µs | p99 µs | mean µs | client CPU µs/op | redis CPU µs/op (all nodes) | alloc KB/op | GCs gen0/1/2 | MB/s | errors |";
        const string RowRule = "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|";
        string Cells(Row row)
        {
            var r = row.Result;
            return string.Create(inv, $"| {r.Operations:N0} | {r.OpsPerSecond:N0} | {r.P50Us:N0} | {r.P99Us:N0} | {Mean(r):N0} | {r.ClientCpuUsPerOp:N1} | {RedisUs(r):N1} | {r.AllocatedBytesPerOp / 1000:N1} | {r.Gen0}/{r.Gen1}/{r.Gen2} | {r.OpsPerSecond * row.Bytes / 1e6:N2} | {r.Errors} |");
        }

        void RepairTable(string title, string first, IReadOnlyList<ValueFigures> rows)
        {
            text.AppendLine().AppendLine(title).AppendLine();
            text.AppendLine(inv, $"| {first} | stale keys x rounds | read repair: extra p50 µs | extra mean µs | extra client CPU µs/key | extra redis CPU µs/key | AE passes | AE pass in sync ms | AE pass with the stale keys ms | values repaired | AE keys/s (marginal) | AE MB/s (marginal) | AE client CPU µs/key | AE redis CPU µs/key |");
            text.AppendLine("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
            foreach (var v in rows)
            {
                var repair = v.Rows.Single(r => r.Operation.Contains("stale", StringComparison.Ordinal)).Result;
                var inSync = v.Rows.Single(r => r.Operation.Contains("in sync", StringComparison.Ordinal)).Result;
                var (keysPerSecond, megabytesPerSecond, clientPerKey, redisPerKey) = Marginal(v.PassInSync, v.PassRepair, v.Keys, v.Payload);
                text.AppendLine(inv, $"| {v.Label} | {v.Keys:N0} x {v.Rounds} | {repair.P50Us - inSync.P50Us:N0} | {Mean(repair) - Mean(inSync):N0} | {repair.ClientCpuUsPerOp - inSync.ClientCpuUsPerOp:N1} | {RedisUs(repair) - RedisUs(inSync):N1} | {v.PassRepair.Passes} | {v.PassInSync.MeanMilliseconds:N0} | {v.PassRepair.MeanMilliseconds:N0} | {v.PassRepair.ValuesRepaired:N0} | {keysPerSecond:N0} | {megabytesPerSecond:N1} | {clientPerKey:N0} | {redisPerKey:N0} |");
            }
        }

        if (figures.Values.Count > 0)
        {
            text.AppendLine().AppendLine("### Values by size (N = 3, W = R = 2)").AppendLine();
            text.AppendLine("| value | payload B | keys | op " + RowHeader).AppendLine("|---|---:|---:|---" + RowRule);
            foreach (var v in figures.Values)
            {
                foreach (var row in v.Rows)
                {
                    text.AppendLine(inv, $"| {v.Label} | {v.Payload:N0} | {v.Keys:N0} | {row.Operation} {Cells(row)}");
                }
            }

            RepairTable("### Repair of a stale replica by value size (N = 3; extra = stale read minus the in-sync read of the same keys)", "value", figures.Values);
        }

        if (figures.Lists.Count > 0)
        {
            text.AppendLine().AppendLine("### Lists by length (N = 3, W = R = 2, ~100-byte elements)").AppendLine();
            text.AppendLine("| length | lists | op " + RowHeader).AppendLine("|---:|---:|---" + RowRule);
            foreach (var l in figures.Lists)
            {
                foreach (var row in l.Rows)
                {
                    text.AppendLine(inv, $"| {l.Length:N0} | {l.ListCount} | {row.Operation} {Cells(row)}");
                }
            }

            text.AppendLine().AppendLine("### Repair of one missed push by list length (N = 3; extra = repairing read minus the in-sync read of the same lists)").AppendLine();
            text.AppendLine("| length | build s (elements/s) | lists x rounds | repairs counted by the SDK | read repair: extra p50 µs | extra mean µs | extra client CPU µs | extra redis CPU µs | last node = node 0 after it | AE passes | AE pass in sync ms | AE pass with the missed pushes ms | lists repaired | AE marginal ms per list | AE client CPU µs/list | AE redis CPU µs/list | last node = node 0 after it | length after the PUSH rows | full-list repairs in the PUSH rows, blocking+background (1 / 4 in flight) | commands ≥ 10 ms in the 4-in-flight PUSH row (slow log) |");
            text.AppendLine("|---:|---:|---:|---:|---:|---:|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---|---:|---:|---|");
            foreach (var l in figures.Lists)
            {
                var repair = l.Rows.Single(r => r.Operation.Contains("missed", StringComparison.Ordinal)).Result;
                var inSync = l.Rows.Single(r => r.Operation.Contains("in sync", StringComparison.Ordinal)).Result;
                var (listsPerSecond, _, clientPerList, redisPerList) = Marginal(l.PassInSync, l.PassRepair, l.ListCount, 0);
                var buildRate = (double)l.Length * l.ListCount / Math.Max(1e-9, l.Build.TotalSeconds);
                text.AppendLine(inv, $"| {l.Length:N0} | {l.Build.TotalSeconds:N2} ({buildRate:N0}) | {l.ListCount} x {l.Rounds} | {l.ReadRepairs:N0} | {repair.P50Us - inSync.P50Us:N0} | {Mean(repair) - Mean(inSync):N0} | {repair.ClientCpuUsPerOp - inSync.ClientCpuUsPerOp:N0} | {RedisUs(repair) - RedisUs(inSync):N0} | {(l.ReadRepairVerified ? "yes" : "**no**")} | {l.PassRepair.Passes} | {l.PassInSync.MeanMilliseconds:N0} | {l.PassRepair.MeanMilliseconds:N0} | {l.PassRepair.ListsRepaired:N0} | {(listsPerSecond > 0 ? 1000 / listsPerSecond : 0):N1} | {clientPerList:N0} | {redisPerList:N0} | {(l.PassVerified ? "yes" : "**no**")} | {l.LengthAfter:N0} | {l.PushRepairs} | {(l.PushSlowCommands.Length == 0 ? "none" : l.PushSlowCommands)} |");
            }
        }

        if (figures.NodeCounts.Count > 0)
        {
            text.AppendLine().AppendLine("### Values by node count (100 B, W = R = majority)").AppendLine();
            text.AppendLine("| N | keys | op " + RowHeader + " redis CPU µs/op per node |").AppendLine("|---:|---:|---" + RowRule + "---:|");
            foreach (var v in figures.NodeCounts)
            {
                foreach (var row in v.Rows)
                {
                    text.AppendLine(inv, $"| {v.Nodes} | {v.Keys:N0} | {row.Operation} {Cells(row)} {RedisUs(row.Result) / v.Nodes:N1} |");
                }
            }

            RepairTable("### Repair of a stale replica by node count (100 B; the last node stale)", "N", figures.NodeCounts);
        }

        if (figures.Notes.Count > 0)
        {
            text.AppendLine().AppendLine("### Unexpected").AppendLine();
            foreach (var note in figures.Notes)
            {
                text.AppendLine(inv, $"- {note}");
            }
        }

        return text.ToString();
    }

    /// <summary>Redis CPU µs per operation from INFO cpu, all nodes (kept in <see cref="CaseResult.ScriptUsec"/>).</summary>
    private static double RedisUs(CaseResult result) => result.Operations == 0 ? 0 : (double)result.ScriptUsec / result.Operations;

    private static double Mean(CaseResult result) => result.Latency.TotalCount == 0 ? 0 : result.Latency.GetMean();

    /// <summary>What the repairing passes took beyond as many in-sync passes, per repaired key: rate, MB/s, CPU.</summary>
    private static (double KeysPerSecond, double MegabytesPerSecond, double ClientUsPerKey, double RedisUsPerKey) Marginal(PassTotals inSync, PassTotals repair, int keysPerPass, long bytesPerKey)
    {
        var keys = (double)keysPerPass * repair.Passes;
        if (repair.Passes == 0 || inSync.Passes != repair.Passes || keys == 0)
        {
            return default;
        }

        // When the repairs cost less than the noise of the fixed part, the whole passes are the honest bound.
        var seconds = (repair.Duration - inSync.Duration).TotalSeconds;
        if (seconds <= 0)
        {
            seconds = repair.Duration.TotalSeconds;
        }

        return (keys / seconds, keys * bytesPerKey / seconds / 1e6, (repair.ClientCpu - inSync.ClientCpu).TotalMicroseconds / keys, (repair.RedisUsec - inSync.RedisUsec) / keys);
    }

    private static IReadOnlyList<(string Name, string Value)> Describe(BenchArguments options, string redisPath, string[] args, DateTimeOffset started, string loadBefore, string loadAfter)
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

        var inv = CultureInfo.InvariantCulture;
        return
        [
            ("Run (UTC)", string.Create(inv, $"{started:yyyy-MM-dd HH:mm}-{DateTimeOffset.UtcNow:HH:mm}")),
            ("Machine", $"{Environment.ProcessorCount} logical cores ({cpu}), {RuntimeInformation.OSDescription}; the driver and all redis-servers share these cores, as do other users' builds and benchmarks (1-min load average {loadBefore} at start, {loadAfter} at end)"),
            (".NET", $"{RuntimeInformation.FrameworkDescription}, {(System.Runtime.GCSettings.IsServerGC ? "server" : "workstation")} GC"),
            ("Redis", RedisServers.Version(redisPath) + ", `--save '' --appendonly no`, loopback, fresh servers for the value phase, the list phase and every node count"),
            ("Load", string.Create(inv, $"{options.InFlight} operations in flight (closed loop). Value SET/GET rows: the load driver's loop, {options.Warmup.TotalSeconds:0.#} s warmup + {options.Duration.TotalSeconds:0.#} s on keys drawn at random from 32 MiB / size keys (16 to 1,000). List rows: {options.Warmup.TotalSeconds:0.#} s warmup, then up to {options.Duration.TotalSeconds:0.#} s over ceil(20,000 / length) lists (1 to 50), PUSH at most {PushCount} operations (measured last: it grows the lists). Read repair rows: rounds (up to 10 for values, 40 for lists, until {2 * options.Duration.TotalSeconds:0.#} s passed) of: every key or list made stale, then each read once; the in-sync row then reads the same keys for up to {options.Duration.TotalSeconds:0.#} s after a warmup; extra = repair row minus in-sync row")),
            ("Stale replica", $"a second SDK client configured with every node but the last writes (W=All of its nodes): the last node misses the write. Read repair: `GetAsync(key, ReadOptions.All)` / `RangeAsync(key, 0, 9, ReadOptions.All)`, blocking read repair (the default). Anti-entropy: `AntiEntropyRunner.RunPassAsync(Digests)`, unthrottled, alternating in-sync passes (the fixed cost over all 16,384 slots) and passes with every key or list stale again, up to 5 of each while {2 * options.Duration.TotalSeconds:0.#} s have not passed; marginal = (sum of the repairing passes - sum of the in-sync passes) / keys repaired"),
            ("Figures", "client CPU = this process' CPU time over the row / operations (all threads: workers, SE.Redis I/O, GC); redis CPU = the redis-servers' `used_cpu_user + used_cpu_sys` (INFO cpu, getrusage, µs resolution) summed over all nodes / operations; alloc = GC.GetTotalAllocatedBytes delta / operations; MB/s = payload bytes an operation carries (value, 10 elements, or the whole list) x ops/s, counted once (not per replica)"),
            ("Command", "dotnet run -c Release --project benchmarks/AnarchoRedis.Benchmarks --" + (args.Length == 0 ? string.Empty : " " + string.Join(' ', args))),
        ];
    }

    /// <summary>Anti-entropy passes of one kind (in sync, or repairing), summed.</summary>
    private sealed class PassTotals
    {
        public int Passes { get; private set; }

        public TimeSpan Duration { get; private set; }

        public TimeSpan ClientCpu { get; private set; }

        public TimeSpan ServerCpu { get; private set; }

        public long KeysRepaired { get; private set; }

        public long ValuesRepaired { get; private set; }

        public long ListsRepaired { get; private set; }

        public long Problems { get; private set; }

        public double MeanMilliseconds => Passes == 0 ? 0 : Duration.TotalMilliseconds / Passes;

        /// <summary>Redis CPU µs from INFO cpu, all nodes.</summary>
        public long RedisUsec { get; private set; }

        public void Add(AntiEntropyReport report, TimeSpan clientCpu, TimeSpan serverCpu, long redisUsec)
        {
            Passes++;
            RedisUsec += redisUsec;
            Duration += report.Duration;
            ClientCpu += clientCpu;
            ServerCpu += serverCpu;
            KeysRepaired += report.KeysRepaired;
            ValuesRepaired += report.ValuesRepaired;
            ListsRepaired += report.ListsRepaired;
            Problems += report.ProblemCount;
        }
    }

    /// <summary>One timed row and the payload bytes one of its operations moves (for MB/s).</summary>
    private sealed record Row(string Operation, CaseResult Result, long Bytes);

    private abstract class RowsFigures
    {
        private readonly List<Row> _rows = [];

        public IReadOnlyList<Row> Rows => _rows;

        public PassTotals PassInSync { get; } = new();

        public PassTotals PassRepair { get; } = new();

        /// <summary>Read repair rounds (each: every key or list made stale, then read once).</summary>
        public int Rounds { get; set; }

        public CaseResult Add(string operation, long bytes)
        {
            var result = new CaseResult("growth", operation);
            _rows.Add(new Row(operation, result, bytes));
            return result;
        }
    }

    private sealed class ValueFigures(string label, int size, int payload, int keys, int nodes) : RowsFigures
    {
        public string Label { get; } = label;

        public int Size { get; } = size;

        public int Payload { get; } = payload;

        public int Keys { get; } = keys;

        public int Nodes { get; } = nodes;
    }

    private sealed class ListFigures(int length, int listCount, int elementBytes) : RowsFigures
    {
        public int Length { get; } = length;

        public int ListCount { get; } = listCount;

        public int ElementBytes { get; } = elementBytes;

        public TimeSpan Build { get; set; }

        public bool ReadRepairVerified { get; set; }

        public bool PassVerified { get; set; }

        public long LengthAfter { get; set; }

        /// <summary>Commands of 10 ms or more on any node during the concurrent PUSH row (Redis' slow log), summarized.</summary>
        public string PushSlowCommands { get; set; } = string.Empty;

        /// <summary>Blocking full-list repairs the SDK counted in the read repair rows (one per list and round).</summary>
        public long ReadRepairs { get; set; }

        /// <summary>Full-list repairs (blocking + background) during the PUSH rows: 1 in flight / several in flight.</summary>
        public string PushRepairs { get; set; } = "?";
    }

    private sealed class Figures
    {
        public List<ValueFigures> Values { get; } = [];

        public List<ListFigures> Lists { get; } = [];

        public List<ValueFigures> NodeCounts { get; } = [];

        public List<string> Notes { get; } = [];
    }

    /// <summary>Counts the SDK's <c>anarchoredis.list_repairs</c> measurements (full lists merged and written back), by mode.</summary>
    private sealed class ListRepairCounter : IDisposable
    {
        private readonly System.Diagnostics.Metrics.MeterListener _listener = new();
        private long _blocking;
        private long _background;

        public ListRepairCounter()
        {
            _listener.InstrumentPublished = (instrument, listener) =>
            {
                if (instrument.Meter.Name == AnarchoRedisMetrics.MeterName && instrument.Name == "anarchoredis.list_repairs")
                {
                    listener.EnableMeasurementEvents(instrument, this);
                }
            };
            _listener.SetMeasurementEventCallback<long>(static (_, value, tags, state) =>
            {
                var counter = (ListRepairCounter)state!;
                foreach (var tag in tags)
                {
                    if (tag.Key == "mode")
                    {
                        if (tag.Value as string == "background")
                        {
                            Interlocked.Add(ref counter._background, value);
                        }
                        else
                        {
                            Interlocked.Add(ref counter._blocking, value);
                        }
                    }
                }
            });
            _listener.Start();
        }

        public (long Blocking, long Background) Snapshot() => (Interlocked.Read(ref _blocking), Interlocked.Read(ref _background));

        public void Dispose() => _listener.Dispose();
    }

    /// <summary>
    /// Fresh redis-servers with an SDK client of all nodes, a second one of every node but the last (its writes leave
    /// the last node stale), an anti-entropy runner, and plain connections that read what each node holds.
    /// </summary>
    private sealed class GrowthCluster : IAsyncDisposable
    {
        private readonly ConnectionMultiplexer[] _raw;

        private GrowthCluster(RedisServers servers, ConnectionMultiplexer[] raw, AnarchoRedisClient client, AnarchoRedisClient partial)
        {
            Servers = servers;
            _raw = raw;
            Client = client;
            Partial = partial;
            Values = client.GetValueStore(BenchCluster.ValueDescriptor);
            Lists = client.GetListStore(BenchCluster.ListDescriptor);
            PartialValues = partial.GetValueStore(BenchCluster.ValueDescriptor);
            PartialLists = partial.GetListStore(BenchCluster.ListDescriptor);
            Runner = new AntiEntropyRunner(client, new ReplicatedTypeRegistry(BenchCluster.ValueDescriptor, BenchCluster.ListDescriptor));
        }

        public RedisServers Servers { get; }

        public int NodeCount => _raw.Length;

        public AnarchoRedisClient Client { get; }

        public AnarchoRedisClient Partial { get; }

        public ReplicatedValueStore<BenchValue> Values { get; }

        public ReplicatedListStore<BenchValue> Lists { get; }

        public ReplicatedValueStore<BenchValue> PartialValues { get; }

        public ReplicatedListStore<BenchValue> PartialLists { get; }

        public AntiEntropyRunner Runner { get; }

        public static async Task<GrowthCluster> StartAsync(string redisPath, int nodes, BenchArguments arguments)
        {
            var servers = await RedisServers.StartAsync(redisPath, nodes);
            var raw = new List<ConnectionMultiplexer>();
            AnarchoRedisClient? client = null;
            try
            {
                foreach (var endPoint in servers.EndPoints)
                {
                    var config = ConfigurationOptions.Parse(endPoint);
                    config.ClientName = "anarchoredis-bench-growth-probe";
                    config.AsyncTimeout = config.SyncTimeout = 30_000;
                    config.AllowAdmin = true; // INFO is an admin command to StackExchange.Redis
                    raw.Add(await ConnectionMultiplexer.ConnectAsync(config));
                }

                client = await AnarchoRedisClient.ConnectAsync(Options([.. servers.EndPoints], arguments));
                var partial = await AnarchoRedisClient.ConnectAsync(Options([.. servers.EndPoints.Take(nodes - 1)], arguments));
                return new GrowthCluster(servers, [.. raw], client, partial);
            }
            catch
            {
                if (client is not null)
                {
                    await client.DisposeAsync();
                }

                foreach (var connection in raw)
                {
                    connection.Dispose();
                }

                await servers.DisposeAsync();
                throw;
            }
        }

        /// <summary>How many of <paramref name="keys"/> have another version in their meta on the last node than on node 0.</summary>
        public async Task<int> StaleCountAsync(string[] keys)
        {
            var first = _raw[0].GetDatabase();
            var last = _raw[^1].GetDatabase();
            var metas = Array.ConvertAll(keys, k => (RedisKey)Client.Keys.MetaKey(k));
            var expected = await Task.WhenAll(metas.Select(m => first.HashGetAsync(m, "v")));
            var actual = await Task.WhenAll(metas.Select(m => last.HashGetAsync(m, "v")));
            return expected.Zip(actual).Count(p => p.First.IsNull || p.First != p.Second);
        }

        /// <summary>
        /// The redis-servers' CPU time in µs, summed (INFO cpu: <c>used_cpu_user</c> + <c>used_cpu_sys</c>, from
        /// getrusage, microsecond resolution where /proc has 10 ms ticks), as (0, µs) for <see cref="LoadDriver"/>'s
        /// statistics hook.
        /// </summary>
        public async Task<(long Calls, long Usec)> RedisCpuAsync()
        {
            var usec = 0L;
            foreach (var connection in _raw)
            {
                var text = (string?)await connection.GetDatabase().ExecuteAsync("INFO", "cpu").ConfigureAwait(false) ?? string.Empty;
                foreach (var line in text.Split('\n'))
                {
                    var colon = line.IndexOf(':', StringComparison.Ordinal);
                    if (colon > 0 && line[..colon] is "used_cpu_user" or "used_cpu_sys")
                    {
                        usec += (long)(double.Parse(line[(colon + 1)..].Trim(), CultureInfo.InvariantCulture) * 1e6);
                    }
                }
            }

            return (0, usec);
        }

        public async Task ResetSlowLogAsync()
        {
            foreach (var connection in _raw)
            {
                await connection.GetServer(connection.GetEndPoints()[0]).SlowlogResetAsync();
            }
        }

        /// <summary>The slow log of every node since the last reset, as "script or command x count (max ms)" per node.</summary>
        public async Task<string> SlowLogAsync()
        {
            var scripts = new[] { LuaScript.ListPush, LuaScript.ListRead, LuaScript.ListReplace, LuaScript.ListRemove, LuaScript.ValueWrite, LuaScript.ValueRead }
                .ToDictionary(script => Convert.ToHexStringLower(script.Sha1), script => script.Name, StringComparer.OrdinalIgnoreCase);
            var parts = new List<string>();
            for (var node = 0; node < _raw.Length; node++)
            {
                var traces = await _raw[node].GetServer(_raw[node].GetEndPoints()[0]).SlowlogGetAsync(128);
                var groups = traces
                    .Select(t => t.Arguments.Length > 1 && string.Equals((string?)t.Arguments[0], "EVALSHA", StringComparison.OrdinalIgnoreCase) && scripts.TryGetValue((string?)t.Arguments[1] ?? string.Empty, out var name)
                        ? (Name: name, t.Duration)
                        : (Name: t.Arguments.Length > 0 ? ((string?)t.Arguments[0] ?? "?").ToUpperInvariant() : "?", t.Duration))
                    .Where(t => t.Name is not ("SLOWLOG" or "INFO"))
                    .GroupBy(t => t.Name)
                    .Select(g => string.Create(CultureInfo.InvariantCulture, $"{g.Key} x{g.Count()} (max {g.Max(t => t.Duration.TotalMilliseconds):0} ms)"));
                var text = string.Join(", ", groups);
                if (text.Length > 0)
                {
                    parts.Add(string.Create(CultureInfo.InvariantCulture, $"node {node}: {text}"));
                }
            }

            return string.Join("; ", parts);
        }

        /// <summary>LLEN of <paramref name="key"/> on every node.</summary>
        public async Task<long[]> LengthsAsync(string key) =>
            await Task.WhenAll(_raw.Select(c => c.GetDatabase().ListLengthAsync(key)));

        /// <summary>Whether the last node holds each list as node 0 does: same LLEN, same first, middle and last elements.</summary>
        public async Task<bool> ListsEqualAsync(string[] keys)
        {
            var first = _raw[0].GetDatabase();
            var last = _raw[^1].GetDatabase();
            foreach (var key in keys)
            {
                var length = await first.ListLengthAsync(key);
                if (length == 0 || length != await last.ListLengthAsync(key))
                {
                    return false;
                }

                foreach (var index in new[] { 0, 1, length / 2, length - 1 })
                {
                    if (await first.ListGetByIndexAsync(key, index) != await last.ListGetByIndexAsync(key, index))
                    {
                        return false;
                    }
                }
            }

            return true;
        }

        public async ValueTask DisposeAsync()
        {
            await Partial.DisposeAsync();
            await Client.DisposeAsync();
            foreach (var connection in _raw)
            {
                await connection.CloseAsync(allowCommandsToComplete: false);
                connection.Dispose();
            }

            await Servers.DisposeAsync();
        }

        private static AnarchoRedisOptions Options(List<string> nodes, BenchArguments arguments) => new()
        {
            Nodes = nodes,
            NodeTimeout = TimeSpan.FromSeconds(arguments.TimeoutSeconds),
            AntiEntropy = new AntiEntropyOptions
            {
                // Passes run only when this benchmark runs them, unthrottled.
                Enabled = false,
                MaxKeysPerSecond = 0,
                Concurrency = arguments.AntiEntropyConcurrency,
            },
        };
    }
}
