using System;
using System.Collections.Generic;
using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Linq;

namespace AnarchoRedis.Benchmarks;

internal sealed record BenchArguments
{
    public const string Usage = """
        Usage: dotnet run -c Release --project benchmarks/AnarchoRedis.Benchmarks -- [options]
          --duration S        measured seconds per row (default 5)
          --warmup S          warmup seconds per row, not measured (default 2)
          --rounds N          run all cases N times, each round starting one case later; figures are summed
                              over rounds (default 1)
          --inflight N        operations in flight (default 64)
          --keys N            keys per case (default 10000)
          --value-bytes N     approximate payload size (default 100)
          --timeout S         per-node command timeout, hand-written cases and SDK alike (default 5)
          --nodes N           redis-server processes (default 3; quorums are majorities, N/2+1)
          --list-keys N       list keys per list case (default 1000; every push grows one of them)
          --cases LIST        comma-separated subset of raw,plain,bare,bare-nodigest,minimal,sdk,sdk-nobatch,sdk-nodigest,
                              sdk-one,sdk-all,sdk-r,sdk-one-r,list-raw,list-bare,list-bare-nodigest,list-sdk,
                              list-sdk-nodigest,list-sdk-one,list-sdk-all,list-sdk-r,list-sdk-one-r (default: all;
                              the -r cases are reads sent to R nodes only, ReadFanOut.Required, hedged)
          --redis-server P    redis-server binary (default: PATH, then /usr/bin/redis-server)
          --out FILE          also write the Markdown report to FILE
          --alloc-profile     sample allocations by type (GC AllocationTick) and list the top types per row;
                              slows the run down, so use it for diagnosis, not for the figures

        Anti-entropy passes (instead of the cases above):
          --antientropy       load keys, make a fraction divergent, time a digest pass and a SCAN pass per row
          --keys LIST         comma-separated key counts, one run on fresh servers each (default 100000;
                              0 alone: only the memory measurement)
          --divergence LIST   comma-separated fractions of divergent keys (default 0,0.001,0.01,0.1)
          --list-fraction F   fraction of the keys that are lists of 5 elements (default 0.1)
          --load-inflight N   writes in flight while loading and diverging (default 256)
          --ae-concurrency N  AntiEntropyOptions.Concurrency of the passes (default 32, the library default)
          --memory-keys LIST  key counts for the digest memory overhead measurement, 0 to skip (default 100000)

        Catch-up after a pause (instead of the cases above):
          --catchup           writes at full load while node 2 is paused, then times how long until every write
                              acknowledged during the pause is on node 2 (hint replay and read repair, no pass)
          --pause S           seconds node 2 stays paused (default 12)

        Cost growth (instead of the cases above; fresh servers per phase, --inflight 4, --duration 2, --warmup 1,
        --timeout 30 unless given):
          --growth            write, read and repair costs by value size, list length and node count
          --growth-sizes LIST value sizes in bytes, 0 to skip (default 100,1024,10240,102400,1048576)
          --growth-lengths L  list lengths, 0 to skip (default 10,100,1000,10000,100000)
          --growth-nodes LIST node counts at 100 B, W=R=majority, 0 to skip (default 3,5,7)

        Scaling out (instead of the cases above; issue 17):
          --scale             the same SET and GET load on 3 standalone redis-servers and on 3 replicas that are each
                              a Redis Cluster of S shards, all in one run: per setup a plain SE.Redis fan-out (2 of 3)
                              and the SDK (W=R=2); on standalone nodes also the SDK not coalesced (MaxBatchSize = 1).
                              --cases plain,sdk,sdk-nobatch picks among them; the other options apply
          --scale-shards LIST shards per replica of the cluster setups (default 1,2,3)

        Exactly-once pops (instead of the cases above; issue 18):
          --pops              one list popped from the left on 3 standalone redis-servers, refilled before every row:
                              a plain LPOP fan-out (2 of 3), the SDK's PopLeftAsync and PopLeftOnceAsync (W = 2), each
                              with every --pop-poppers count of concurrent poppers; --cases pop-raw,pop-sdk,pop-once
                              picks among them; the other options apply (--inflight is replaced by --pop-poppers)
          --pop-poppers LIST  concurrent poppers per row (default 1,8)
          --pop-length N      elements in the SDK's list at the start of every row (default 5000; a removal reads the
                              whole list, so the SDK rows' cost depends on it); the LPOP list gets as many as the row
                              needs (at least 300,000 the first round)
        """;

    private static readonly string[] AllCases = ["pop-raw", "pop-sdk", "pop-once", "raw", "plain", "bare", "bare-nodigest", "minimal", "sdk", "sdk-nobatch", "sdk-nodigest", "sdk-one", "sdk-all", "sdk-r", "sdk-one-r", "list-raw", "list-bare", "list-bare-nodigest", "list-sdk", "list-sdk-nodigest", "list-sdk-one", "list-sdk-all", "list-sdk-r", "list-sdk-one-r"];

    public TimeSpan Duration { get; init; } = TimeSpan.FromSeconds(5);

    public TimeSpan Warmup { get; init; } = TimeSpan.FromSeconds(2);

    public int InFlight { get; init; } = 64;

    public int Rounds { get; init; } = 1;

    public int Keys { get; init; } = 10_000;

    public int ListKeys { get; init; } = 1_000;

    public int Nodes { get; init; } = 3;

    public int ValueBytes { get; init; } = 100;

    public int TimeoutSeconds { get; init; } = 5;

    public IReadOnlySet<string> Cases { get; init; } = new HashSet<string>(AllCases);

    public string? RedisServer { get; init; }

    public string? Out { get; init; }

    public bool Help { get; init; }

    public bool AllocationProfile { get; init; }

    public bool AntiEntropy { get; init; }

    /// <summary>Every <c>--keys</c> value; the load cases use the first (they take only one).</summary>
    public IReadOnlyList<int> KeyCounts { get; init; } = [10_000];

    public IReadOnlyList<double> Divergence { get; init; } = [0, 0.001, 0.01, 0.1];

    public double ListFraction { get; init; } = 0.1;

    public int LoadInFlight { get; init; } = 256;

    public int AntiEntropyConcurrency { get; init; } = 32;

    public IReadOnlyList<int> MemoryKeys { get; init; } = [100_000];

    /// <summary>The catch-up mode (<see cref="CatchUpBench"/>).</summary>
    public bool CatchUp { get; init; }

    /// <summary>How long node 2 stays paused in the catch-up mode.</summary>
    public int PauseSeconds { get; init; } = 12;

    /// <summary>The cost growth mode (<see cref="GrowthBench"/>).</summary>
    public bool Growth { get; init; }

    public IReadOnlyList<int> GrowthSizes { get; init; } = [100, 1024, 10 * 1024, 100 * 1024, 1024 * 1024];

    public IReadOnlyList<int> GrowthLengths { get; init; } = [10, 100, 1_000, 10_000, 100_000];

    public IReadOnlyList<int> GrowthNodes { get; init; } = [3, 5, 7];

    /// <summary>The scaling-out mode (<see cref="ScaleBench"/>).</summary>
    public bool Scale { get; init; }

    public IReadOnlyList<int> ScaleShards { get; init; } = [1, 2, 3];

    /// <summary>The exactly-once pops mode (<see cref="PopBench"/>).</summary>
    public bool Pops { get; init; }

    public IReadOnlyList<int> PopPoppers { get; init; } = [1, 8];

    public int PopLength { get; init; } = 5_000;

    public bool Runs(string selector) => Cases.Contains(selector);

    public static bool TryParse(string[] args, [NotNullWhen(true)] out BenchArguments? parsed, out string? error)
    {
        var result = new BenchArguments();
        parsed = null;
        error = null;
        var keysGiven = false;
        bool durationGiven = false, warmupGiven = false, inFlightGiven = false, timeoutGiven = false;
        for (var i = 0; i < args.Length; i++)
        {
            var name = args[i];
            if (name is "--help" or "-h")
            {
                result = result with { Help = true };
                continue;
            }

            if (name == "--alloc-profile")
            {
                result = result with { AllocationProfile = true };
                continue;
            }

            if (name == "--antientropy")
            {
                result = result with { AntiEntropy = true };
                if (!keysGiven)
                {
                    result = result with { Keys = 100_000, KeyCounts = [100_000] };
                }

                continue;
            }

            if (name == "--catchup")
            {
                result = result with { CatchUp = true };
                continue;
            }

            if (name == "--pause" && i + 1 < args.Length && int.TryParse(args[i + 1], out var pause) && pause > 0)
            {
                result = result with { PauseSeconds = pause };
                i++;
                continue;
            }

            if (name == "--scale")
            {
                result = result with { Scale = true };
                continue;
            }

            if (name == "--pops")
            {
                result = result with { Pops = true };
                continue;
            }

            if (name == "--growth")
            {
                result = result with { Growth = true };
                continue;
            }

            if (i + 1 >= args.Length)
            {
                error = $"Option '{name}' needs a value.";
                return false;
            }

            var value = args[++i];
            switch (name)
            {
                case "--duration" when TryPositive(value, out var seconds):
                    result = result with { Duration = TimeSpan.FromSeconds(seconds) };
                    durationGiven = true;
                    break;
                case "--warmup" when double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var warmup) && warmup >= 0:
                    result = result with { Warmup = TimeSpan.FromSeconds(warmup) };
                    warmupGiven = true;
                    break;
                case "--inflight" when int.TryParse(value, CultureInfo.InvariantCulture, out var inFlight) && inFlight > 0:
                    result = result with { InFlight = inFlight };
                    inFlightGiven = true;
                    break;
                case "--rounds" when int.TryParse(value, CultureInfo.InvariantCulture, out var rounds) && rounds > 0:
                    result = result with { Rounds = rounds };
                    break;
                case "--keys" when TryList(value, out int[] keys, k => k >= 0):
                    result = result with { Keys = keys[0], KeyCounts = keys.Where(k => k > 0).ToArray() };
                    keysGiven = true;
                    break;
                case "--divergence" when TryList(value, out double[] fractions, f => f is >= 0 and <= 1):
                    result = result with { Divergence = fractions };
                    break;
                case "--list-fraction" when double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var listFraction) && listFraction is >= 0 and <= 1:
                    result = result with { ListFraction = listFraction };
                    break;
                case "--load-inflight" when int.TryParse(value, CultureInfo.InvariantCulture, out var loadInFlight) && loadInFlight > 0:
                    result = result with { LoadInFlight = loadInFlight };
                    break;
                case "--ae-concurrency" when int.TryParse(value, CultureInfo.InvariantCulture, out var concurrency) && concurrency > 0:
                    result = result with { AntiEntropyConcurrency = concurrency };
                    break;
                case "--memory-keys" when TryList(value, out int[] memoryKeys, k => k >= 0):
                    result = result with { MemoryKeys = memoryKeys.Where(k => k > 0).ToArray() };
                    break;
                case "--growth-sizes" when TryList(value, out int[] sizes, k => k is >= 0 and <= 8 * 1024 * 1024):
                    result = result with { GrowthSizes = sizes.Where(k => k > 0).ToArray() };
                    break;
                case "--growth-lengths" when TryList(value, out int[] lengths, k => k is >= 0 and <= 10_000_000):
                    result = result with { GrowthLengths = lengths.Where(k => k > 0).ToArray() };
                    break;
                case "--growth-nodes" when TryList(value, out int[] nodeCounts, k => k is 0 or (>= 2 and <= 15)):
                    result = result with { GrowthNodes = nodeCounts.Where(k => k > 0).ToArray() };
                    break;
                case "--scale-shards" when TryList(value, out int[] shards, k => k is >= 1 and <= 16):
                    result = result with { ScaleShards = shards };
                    break;
                case "--pop-poppers" when TryList(value, out int[] poppers, k => k is >= 1 and <= 256):
                    result = result with { PopPoppers = poppers };
                    break;
                case "--pop-length" when int.TryParse(value, CultureInfo.InvariantCulture, out var popLength) && popLength is >= 1 and <= 10_000_000:
                    result = result with { PopLength = popLength };
                    break;
                case "--nodes" when int.TryParse(value, CultureInfo.InvariantCulture, out var nodes) && nodes is >= 1 and <= 15:
                    result = result with { Nodes = nodes };
                    break;
                case "--list-keys" when int.TryParse(value, CultureInfo.InvariantCulture, out var listKeys) && listKeys > 0:
                    result = result with { ListKeys = listKeys };
                    break;
                case "--value-bytes" when int.TryParse(value, CultureInfo.InvariantCulture, out var bytes) && bytes > 0:
                    result = result with { ValueBytes = bytes };
                    break;
                case "--timeout" when int.TryParse(value, CultureInfo.InvariantCulture, out var timeout) && timeout > 0:
                    result = result with { TimeoutSeconds = timeout };
                    timeoutGiven = true;
                    break;
                case "--cases":
                    var cases = value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
                    var unknown = cases.Where(c => !AllCases.Contains(c)).ToArray();
                    if (unknown.Length > 0)
                    {
                        error = $"Unknown case(s): {string.Join(", ", unknown)}.";
                        return false;
                    }

                    result = result with { Cases = new HashSet<string>(cases) };
                    break;
                case "--redis-server":
                    result = result with { RedisServer = value };
                    break;
                case "--out":
                    result = result with { Out = value };
                    break;
                default:
                    error = $"Unknown option or bad value: {name} {value}";
                    return false;
            }
        }

        if (!result.AntiEntropy && (result.KeyCounts.Count != 1 || result.Keys <= 0))
        {
            error = "--keys takes one positive count unless --antientropy is given.";
            return false;
        }

        if (result.Growth)
        {
            // A few operations in flight and short rows: the point is how one operation's cost grows, not throughput.
            result = result with
            {
                Duration = durationGiven ? result.Duration : TimeSpan.FromSeconds(2),
                Warmup = warmupGiven ? result.Warmup : TimeSpan.FromSeconds(1),
                InFlight = inFlightGiven ? result.InFlight : 4,

                // Whole 100,000-element lists (~14 MB per node reply) on a busy machine: a slow read is not the subject.
                TimeoutSeconds = timeoutGiven ? result.TimeoutSeconds : 30,
            };
        }

        parsed = result;
        return true;
    }

    private static bool TryList<T>(string text, out T[] values, Func<T, bool> valid)
        where T : IParsable<T>
    {
        var parts = text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        values = new T[parts.Length];
        for (var i = 0; i < parts.Length; i++)
        {
            if (!T.TryParse(parts[i], CultureInfo.InvariantCulture, out var parsed) || !valid(parsed))
            {
                return false;
            }

            values[i] = parsed;
        }

        return values.Length > 0;
    }

    private static bool TryPositive(string text, out double value) =>
        double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out value) && value > 0;
}
