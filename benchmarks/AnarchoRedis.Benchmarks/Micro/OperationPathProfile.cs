using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Reflection;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Threading;
using System.Threading.Tasks;

namespace AnarchoRedis.Benchmarks.Micro;

/// <summary>
/// Who allocates the bytes of <see cref="OperationPathBenchmarks"/>' rows: each row runs many times on one thread; the
/// exact bytes per operation come from <see cref="GC.GetAllocatedBytesForCurrentThread"/>, and a first split by type
/// from the runtime's sampled allocation events (<see cref="AllocationProfiler"/>). That split is approximate: the
/// operations allocate the same sequence again and again, which the ~100 KB sampling aliases (some types show at twice
/// their share, others not at all). The exact tables that follow are the ones to use: the bytes of each step measured
/// alone, and the size of each async method's state machine box.
/// <c>dotnet run -c Release --project benchmarks/AnarchoRedis.Benchmarks -- path-profile [operations]</c>.
/// </summary>
internal static class OperationPathProfile
{
    public static int Run(string[] args)
    {
        if (args.Length > 0 && args[0] == "cpu")
        {
            return Cpu(args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 100_000, args.Length > 2 ? args[2] : null);
        }

        var operations = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 400_000;
        var bench = new OperationPathBenchmarks { Answer = Answer.Deferred };
        bench.Setup();
        var rows = new (string Name, Func<object?> Run)[]
        {
            ("FakeThreeCalls", () => bench.FakeThreeCalls()),
            ("BareValueWrite", () => bench.BareValueWrite()),
            ("SdkSet", () => bench.SdkSet()),
            ("SdkGet", () => bench.SdkGet()),
            ("SdkGetRepairingOne", () => bench.SdkGetRepairingOne()),
            ("SdkPushLeft", () => bench.SdkPushLeft()),
            ("SdkRange0To9", () => bench.SdkRange0To9()),
        };

        using var profiler = new AllocationProfiler();
        foreach (var (name, run) in rows)
        {
            for (var i = 0; i < 20_000; i++)
            {
                run();
            }

            var before = GC.GetAllocatedBytesForCurrentThread();
            for (var i = 0; i < 100_000; i++)
            {
                run();
            }

            var perOperation = (GC.GetAllocatedBytesForCurrentThread() - before) / 100_000.0;
            profiler.Start();
            for (var i = 0; i < operations; i++)
            {
                run();
            }

            // The runtime's events reach the listener with a delay.
            Thread.Sleep(1500);
            var split = profiler.Stop(top: 25);
            Console.WriteLine($"## {name}: {perOperation:F0} B per operation (Deferred answers)");
            Console.WriteLine("| type | share | ~B/op |");
            Console.WriteLine("|---|---:|---:|");
            foreach (var (type, share) in split)
            {
                Console.WriteLine($"| {Shorten(type)} | {share:P1} | {share * perOperation:F0} |");
            }

            Console.WriteLine();
        }

        Components(bench);
        StateMachineBoxes();
        bench.Cleanup();
        return 0;
    }

    /// <summary>
    /// CPU time per operation of every row, in both answer modes, from the thread's own CPU clock rather than the wall
    /// clock: on a machine shared with other builds and tests, time spent descheduled does not count. The median of 7
    /// runs of <paramref name="operations"/> operations each, after a warm-up.
    /// </summary>
    /// <param name="operations">Operations per run.</param>
    /// <param name="only">One row's name (to run it alone under a sampling profiler such as perf), or <see langword="null"/> for all.</param>
    private static int Cpu(int operations, string? only)
    {
        Console.WriteLine($"## CPU ns per operation (thread CPU time, median of 7 x {operations:N0})");
        Console.WriteLine("| row | Deferred | Inline |");
        Console.WriteLine("|---|---:|---:|");
        var results = new Dictionary<string, double[]>(StringComparer.Ordinal);
        string[] names = [];
        foreach (var answer in new[] { Answer.Deferred, Answer.Inline })
        {
            var bench = new OperationPathBenchmarks { Answer = answer };
            bench.Setup();
            var rows = Rows(bench).Where(r => only is null || r.Name == only).ToArray();
            names = rows.Select(r => r.Name).ToArray();
            foreach (var (name, run) in rows)
            {
                for (var i = 0; i < operations; i++)
                {
                    run();
                }

                var samples = new double[7];
                for (var s = 0; s < samples.Length; s++)
                {
                    var before = ThreadCpuNanoseconds();
                    for (var i = 0; i < operations; i++)
                    {
                        run();
                    }

                    samples[s] = (ThreadCpuNanoseconds() - before) / (double)operations;
                }

                Array.Sort(samples);
                (results.TryGetValue(name, out var pair) ? pair : results[name] = new double[2])[(int)answer] = samples[samples.Length / 2];
            }

            bench.Cleanup();
        }

        foreach (var name in names)
        {
            Console.WriteLine($"| {name} | {results[name][0]:F0} | {results[name][1]:F0} |");
        }

        return 0;
    }

    private static (string Name, Func<object?> Run)[] Rows(OperationPathBenchmarks bench) =>
    [
        ("FakeThreeCalls", () => bench.FakeThreeCalls()),
        ("PayloadEncode", () => bench.PayloadEncode()),
        ("PayloadDecode", () => bench.PayloadDecode()),
        ("BareValueWrite", () => bench.BareValueWrite()),
        ("BareValueRead", () => bench.BareValueRead()),
        ("BareListPush", () => bench.BareListPush()),
        ("BareListRange", () => bench.BareListRange()),
        ("SdkSet", () => bench.SdkSet()),
        ("SdkGet", () => bench.SdkGet()),
        ("SdkGetRepairingOne", () => bench.SdkGetRepairingOne()),
        ("SdkPushLeft", () => bench.SdkPushLeft()),
        ("SdkRange0To9", () => bench.SdkRange0To9()),
    ];

    /// <summary>This thread's CPU time (Linux <c>clock_gettime(CLOCK_THREAD_CPUTIME_ID)</c>), in nanoseconds.</summary>
    private static long ThreadCpuNanoseconds()
    {
        const int ThreadCpuTimeClock = 3;
        if (ClockGetTime(ThreadCpuTimeClock, out var time) != 0)
        {
            throw new InvalidOperationException("clock_gettime(CLOCK_THREAD_CPUTIME_ID) failed.");
        }

        return (time.Seconds * 1_000_000_000L) + time.Nanoseconds;
    }

    [DllImport("libc", EntryPoint = "clock_gettime")]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static extern int ClockGetTime(int clock, out TimeSpec time);

    [StructLayout(LayoutKind.Sequential)]
    private struct TimeSpec
    {
        public long Seconds;
        public long Nanoseconds;
    }

    /// <summary>Exact bytes of single steps of the path (deterministic: no sampling), to name what the totals are made of.</summary>
    private static void Components(OperationPathBenchmarks bench)
    {
        var client = bench.Client;
        var keys = client.Keys;
        var version = client.Clock.Next();
        var valueWrite = ScriptReplies.ValueWrite(version);
        var valueRead = ScriptReplies.ValueRead(version, "bench.value", bench.Payload);
        var listPush = ScriptReplies.ListPush(1_001, 0x0123_4567_89ab_cdefUL, version);
        var envelopes = new byte[10][];
        for (var i = 0; i < envelopes.Length; i++)
        {
            envelopes[i] = ListEnvelope.Encode(client.Clock.Next(), ListSide.Left, bench.Payload);
        }

        var listRead = ScriptReplies.ListRead(version, 1_000, 0x0123_4567_89ab_cdefUL, envelopes, version);
        var steps = new (string Name, Action Run)[]
        {
            ("meta key string (KeySpace.MetaKey)", () => keys.MetaKey("sdk:4242")),
            ("value write KEYS, slot digests on (ValueScripts.WriteKeys)", () => client.ValueScripts.WriteKeys("sdk:4242")),
            ("version text (ReplicatedVersion.ToString)", () => version.ToString()),
            ("RedisValue[10] (value write ARGV)", () => _ = new StackExchange.Redis.RedisValue[10]),
            ("QuorumCall<ValueWriteReply>(3, 2)", () => _ = new QuorumCall<ValueWriteReply>(3, 2)),
            ("QuorumCall<ValueReadReply>(3, 2)", () => _ = new QuorumCall<ValueReadReply>(3, 2)),
            ("QuorumCall<ListReadReply>(3, 2)", () => _ = new QuorumCall<ListReadReply>(3, 2)),
            ("ValueReplyParser.ParseWrite (one node)", () => ValueReplyParser.ParseWrite(valueWrite, "sdk:4242", "n", "bench.value")),
            ("ValueReplyParser.ParseRead (one node, live value)", () => ValueReplyParser.ParseRead(valueRead, "sdk:4242", "n", "bench.value", 0)),
            ("ListReplyParser.ParseWrite (one node)", () => ListReplyParser.ParseWrite(listPush, "lsdk:4242", "n", "bench.list")),
            ("ListReplyParser.ParseRead (one node, 10 elements)", () => ListReplyParser.ParseRead(listRead, "lsdk:4242", "n", "bench.list")),
            ("QuorumCall<ListWriteReply>(3, 2)", () => _ = new QuorumCall<ListWriteReply>(3, 2)),
            ("ValueRepair.RepairPlan object (made by every read with repair on)", () => RuntimeHelpers.GetUninitializedObject(typeof(ValueRepair.RepairPlan))),
            ("late-reply state tuple of a list operation, boxed", () => _ = (object)(client.ListWriter, "k", "t", 1L, 1UL)),
            ("ListEnvelope.Encode (~100-byte payload)", () => ListEnvelope.Encode(version, ListSide.Left, bench.Payload)),
            ("ListDigest.Format (element hash text)", () => ListDigest.Format(ListDigest.ElementHash(version))),
        };

        Console.WriteLine("## Components: exact bytes of one call");
        Console.WriteLine("| step | B |");
        Console.WriteLine("|---|---:|");
        foreach (var (name, run) in steps)
        {
            run();
            var before = GC.GetAllocatedBytesForCurrentThread();
            for (var i = 0; i < 1_000; i++)
            {
                run();
            }

            var bytes = (GC.GetAllocatedBytesForCurrentThread() - before) / 1_000.0;
            Console.WriteLine($"| {name} | {bytes:F0} |");
        }

        Console.WriteLine($"| QuorumCall<ValueReadReply>.TakeSnapshot (copies of the replies and arrivals) | {SnapshotBytes<ValueReadReply>()} |");
        Console.WriteLine($"| QuorumCall<ListWriteReply>.TakeSnapshot | {SnapshotBytes<ListWriteReply>()} |");
        Console.WriteLine($"| QuorumCall<ListReadReply>.TakeSnapshot | {SnapshotBytes<ListReadReply>()} |");
    }

    private static long SnapshotBytes<TReply>()
        where TReply : struct, INodeReply
    {
        var call = new QuorumCall<TReply>(3, 2);
        var before = GC.GetAllocatedBytesForCurrentThread();
        call.TakeSnapshot();
        return GC.GetAllocatedBytesForCurrentThread() - before;
    }

    /// <summary>
    /// The exact size of the box each async method of the path allocates when it suspends (its state machine, hoisted
    /// locals and awaiters, plus the Task it is): built as the runtime builds it and allocated uninitialized.
    /// </summary>
    private static void StateMachineBoxes()
    {
        Console.WriteLine();
        Console.WriteLine("## Async state machine boxes: exact bytes (allocated when the method suspends)");
        Console.WriteLine("| method | B |");
        Console.WriteLine("|---|---:|");
        var voidResult = typeof(Task).Assembly.GetType("System.Threading.Tasks.VoidTaskResult", throwOnError: true)!;
        var boxDefinition = typeof(AsyncTaskMethodBuilder<>).GetNestedType("AsyncStateMachineBox`1", BindingFlags.NonPublic)!;
        var owners = new[]
        {
            typeof(ValueWriter), typeof(ValueReader), typeof(ListWriter), typeof(ListReader), typeof(ReplicaNode), typeof(ReplicatedValueStore<BenchValue>),
            typeof(ReplicatedListStore<BenchValue>),
        };
        string[] hotPath =
        [
            "ValueWriter.ExecuteWriteAsync", "ValueReader.ReadAsync",
            "RepairPlan.RunAsync", "ListWriter.ExecuteWriteAsync", "ListReader.RangeAsync",
            "ListReader.QuorumReadAsync", "ReplicaNode.EvaluateOrReloadAsync",
            "ReplicatedValueStore`1.GetAsync", "ReplicatedValueStore`1.GetVersionedAsync", "ReplicatedListStore`1.RangeAsync",
        ];
        foreach (var owner in owners.SelectMany(o => o.GetNestedTypes(BindingFlags.NonPublic).Append(o)))
        {
            // Nested types of a generic store with type parameters of their own (closures of generic methods) are not on the path.
            if (owner.IsGenericTypeDefinition && owner.GetGenericArguments().Length != 1)
            {
                continue;
            }

            var generic = owner.IsGenericTypeDefinition ? owner.MakeGenericType(typeof(BenchValue)) : owner;
            foreach (var method in generic.GetMethods(BindingFlags.Instance | BindingFlags.Static | BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.DeclaredOnly))
            {
                if (method.GetCustomAttribute<AsyncStateMachineAttribute>() is not { } attribute)
                {
                    continue;
                }

                var name = $"{generic.Name}.{method.Name}";
                if (!hotPath.Contains(name))
                {
                    continue;
                }

                var machine = attribute.StateMachineType;
                if (machine.IsGenericTypeDefinition)
                {
                    machine = machine.MakeGenericType(typeof(BenchValue));
                }

                var returns = method.ReturnType;
                var result = returns.IsGenericType ? returns.GetGenericArguments()[0] : voidResult;
                var box = boxDefinition.MakeGenericType(result, machine);
                RuntimeHelpers.GetUninitializedObject(box);
                var before = GC.GetAllocatedBytesForCurrentThread();
                RuntimeHelpers.GetUninitializedObject(box);
                var bytes = GC.GetAllocatedBytesForCurrentThread() - before;
                var pooled = method.GetCustomAttribute<AsyncMethodBuilderAttribute>()?.BuilderType?.Name.StartsWith("Pooling", StringComparison.Ordinal) == true;
                Console.WriteLine($"| {name}{(pooled ? " (pooled: 0 per call in steady state)" : string.Empty)} | {bytes} |");
            }
        }
    }

    /// <summary>Async state machine boxes have long generic names: keep the builder and the method.</summary>
    private static string Shorten(string type) =>
        type.Replace("System.Runtime.CompilerServices.", string.Empty, StringComparison.Ordinal)
            .Replace("AnarchoRedis.", string.Empty, StringComparison.Ordinal)
            .Replace("System.Threading.Tasks.", string.Empty, StringComparison.Ordinal)
            .Replace("StackExchange.Redis.", string.Empty, StringComparison.Ordinal)
            .Replace("|", "/", StringComparison.Ordinal);
}
