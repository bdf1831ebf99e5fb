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
          --list-keys N       list keys per list case (default 1000; every push grows one of them)
          --cases LIST        comma-separated subset of raw,plain,bare,bare-nodigest,minimal,sdk,sdk-nodigest,
                              sdk-one,sdk-all,list-raw,list-bare,list-bare-nodigest,list-sdk,list-sdk-nodigest
                              (default: all)
          --redis-server P    redis-server binary (default: PATH, then /usr/bin/redis-server)
          --out FILE          also write the Markdown report to FILE
          --alloc-profile     sample allocations by type (GC AllocationTick) and list the top types per row;
                              slows the run down, so use it for diagnosis, not for the figures
        """;

    private static readonly string[] AllCases = ["raw", "plain", "bare", "bare-nodigest", "minimal", "sdk", "sdk-nodigest", "sdk-one", "sdk-all", "list-raw", "list-bare", "list-bare-nodigest", "list-sdk", "list-sdk-nodigest"];

    public TimeSpan Duration { get; init; } = TimeSpan.FromSeconds(5);

    public TimeSpan Warmup { get; init; } = TimeSpan.FromSeconds(2);

    public int InFlight { get; init; } = 64;

    public int Rounds { get; init; } = 1;

    public int Keys { get; init; } = 10_000;

    public int ListKeys { get; init; } = 1_000;

    public int ValueBytes { get; init; } = 100;

    public int TimeoutSeconds { get; init; } = 5;

    public IReadOnlySet<string> Cases { get; init; } = new HashSet<string>(AllCases);

    public string? RedisServer { get; init; }

    public string? Out { get; init; }

    public bool Help { get; init; }

    public bool AllocationProfile { get; init; }

    public bool Runs(string selector) => Cases.Contains(selector);

    public static bool TryParse(string[] args, [NotNullWhen(true)] out BenchArguments? parsed, out string? error)
    {
        var result = new BenchArguments();
        parsed = null;
        error = null;
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
                    break;
                case "--warmup" when double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var warmup) && warmup >= 0:
                    result = result with { Warmup = TimeSpan.FromSeconds(warmup) };
                    break;
                case "--inflight" when int.TryParse(value, CultureInfo.InvariantCulture, out var inFlight) && inFlight > 0:
                    result = result with { InFlight = inFlight };
                    break;
                case "--rounds" when int.TryParse(value, CultureInfo.InvariantCulture, out var rounds) && rounds > 0:
                    result = result with { Rounds = rounds };
                    break;
                case "--keys" when int.TryParse(value, CultureInfo.InvariantCulture, out var keys) && keys > 0:
                    result = result with { Keys = keys };
                    break;
                case "--list-keys" when int.TryParse(value, CultureInfo.InvariantCulture, out var listKeys) && listKeys > 0:
                    result = result with { ListKeys = listKeys };
                    break;
                case "--value-bytes" when int.TryParse(value, CultureInfo.InvariantCulture, out var bytes) && bytes > 0:
                    result = result with { ValueBytes = bytes };
                    break;
                case "--timeout" when int.TryParse(value, CultureInfo.InvariantCulture, out var timeout) && timeout > 0:
                    result = result with { TimeoutSeconds = timeout };
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

        parsed = result;
        return true;
    }

    private static bool TryPositive(string text, out double value) =>
        double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out value) && value > 0;
}
