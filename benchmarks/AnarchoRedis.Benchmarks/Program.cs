using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text;
using System.Threading.Tasks;
using StackExchange.Redis;

namespace AnarchoRedis.Benchmarks;

/// <summary>
/// Load driver: 3 local redis-server processes, then side by side in one run: raw SE.Redis on one node, a plain
/// unversioned 3-node fan-out, a bare fan-out of the SDK's own scripts, a minimal versioned script, and the SDK.
/// <c>dotnet run -c Release --project benchmarks/AnarchoRedis.Benchmarks -- --duration 5</c>; with <c>--antientropy</c>,
/// timed anti-entropy passes instead (<see cref="AntiEntropyBench"/>).
/// </summary>
internal static class Program
{
    /// <summary>The least a versioned write can do: compare the stored version, write data and version.</summary>
    private const string MinimalWrite = """
        local v = redis.call('HGET', KEYS[2], 'v')
        if v and v >= ARGV[1] then return 0 end
        redis.call('SET', KEYS[1], ARGV[2])
        redis.call('HSET', KEYS[2], 'v', ARGV[1])
        return 1
        """;

    /// <summary>The least a versioned read can do: version and data in one atomic step.</summary>
    private const string MinimalRead = "return {redis.call('HGET', KEYS[2], 'v'), redis.call('GET', KEYS[1])}";

    public static async Task<int> Main(string[] args)
    {
        // BenchmarkDotNet micro-benchmarks (no servers): `-- micro [BenchmarkDotNet arguments, e.g. --filter *Clock*]`.
        if (args.Length > 0 && args[0] == "micro")
        {
            var summaries = BenchmarkDotNet.Running.BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args[1..]);
            return summaries.Any(s => s.HasCriticalValidationErrors || s.Reports.Any(r => !r.Success)) ? 1 : 0;
        }

        // Who allocates what on the operation path with the network replaced: `-- path-profile [operations]`.
        if (args.Length > 0 && args[0] == "path-profile")
        {
            return Micro.OperationPathProfile.Run(args[1..]);
        }

        if (!BenchArguments.TryParse(args, out var options, out var error))
        {
            Console.Error.WriteLine(error);
            Console.Error.WriteLine(BenchArguments.Usage);
            return 2;
        }

        if (options.Help)
        {
            Console.WriteLine(BenchArguments.Usage);
            return 0;
        }

#if DEBUG
        Console.Error.WriteLine("WARNING: Debug build. Run with -c Release for figures worth keeping.");
#endif
        var redisPath = options.RedisServer ?? FindRedisServer();
        if (redisPath is null)
        {
            Console.Error.WriteLine("redis-server not found (PATH or /usr/bin/redis-server); pass --redis-server PATH.");
            return 2;
        }

        if (options.AntiEntropy)
        {
            // Its own fresh servers per phase: the key counts and the memory figures must not share a keyspace.
            return await AntiEntropyBench.RunAsync(options, redisPath, args);
        }

        if (options.CatchUp)
        {
            return await CatchUpBench.RunAsync(options, redisPath);
        }

        if (options.Scale)
        {
            // Standalone nodes and clusters of 1..S shards per replica, side by side (ScaleBench).
            return await ScaleBench.RunAsync(options, redisPath, args);
        }

        if (options.Pops)
        {
            // Plain LPOP fan-out, the SDK's at-least-once and exactly-once pops, by concurrent poppers (PopBench).
            return await PopBench.RunAsync(options, redisPath, args);
        }

        if (options.Growth)
        {
            // Cost growth by value size, list length and node count, on its own fresh servers per phase.
            return await GrowthBench.RunAsync(options, redisPath, args);
        }

        await using var servers = await RedisServers.StartAsync(redisPath, options.Nodes);
        Console.Error.WriteLine($"Started {options.Nodes} redis-server processes (pids {string.Join(", ", servers.ProcessIds)}) on {string.Join(", ", servers.EndPoints)}");
        try
        {
            var loadBefore = LoadAverage();
            var results = await RunCasesAsync(options, servers);
            var environment = Describe(options, redisPath, args, loadBefore, LoadAverage());
            var report = Report.Markdown(environment, results, options);
            Console.WriteLine(report);
            if (options.Out is { } path)
            {
                Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
                await File.WriteAllTextAsync(path, report);
                Console.Error.WriteLine($"Written to {path}");
            }

            return results.Any(r => r.Errors > 0) ? 1 : 0;
        }
        catch (Exception ex)
        {
            Console.Error.WriteLine($"The benchmark failed: {ex}");
            return 1;
        }
    }

    private static async Task<List<CaseResult>> RunCasesAsync(BenchArguments options, RedisServers servers)
    {
        var workload = new Workload(options.Keys, options.ValueBytes);
        using var profiler = options.AllocationProfile ? new AllocationProfiler() : null;
        var connections = new List<ConnectionMultiplexer>();

        // Redis' own accounting of EVALSHA (calls, µs) over all nodes: the script cost without network or client noise.
        async Task<(long Calls, long Usec)> ScriptStatsAsync()
        {
            long calls = 0, usec = 0;
            foreach (var connection in connections)
            {
                var info = await connection.GetServer(connection.GetEndPoints()[0]).InfoRawAsync("commandstats") ?? string.Empty;
                var (c, u) = CommandStats(info, "evalsha");
                calls += c;
                usec += u;
            }

            return (calls, usec);
        }

        var defaultDriver = new LoadDriver(options.InFlight, options.Warmup, options.Duration, options.Keys, servers.ProcessIds, profiler, ScriptStatsAsync);
        var listWorkload = new Workload(options.ListKeys, options.ValueBytes);
        var listDriver = new LoadDriver(options.InFlight, options.Warmup, options.Duration, options.ListKeys, servers.ProcessIds, profiler, ScriptStatsAsync);
        var results = new List<CaseResult>();
        try
        {
            foreach (var endPoint in servers.EndPoints)
            {
                connections.Add(await ConnectionMultiplexer.ConnectAsync(NodeConfiguration(endPoint, options)));
            }

            var db = connections.Select(c => c.GetDatabase()).ToArray();
            var n = db.Length;
            var q = (n / 2) + 1;

            // "Wait for q of n" over one command per node; no closure, one Quorum object per operation.
            ValueTask<bool> Fan<TState>(TState state, Func<IDatabase, TState, Task> send)
            {
                var quorum = Quorum.Of(q, n);
                foreach (var node in db)
                {
                    quorum.Add(send(node, state));
                }

                return new ValueTask<bool>(quorum.Outcome);
            }

            var writeSha = await LoadAsync(db, LuaScript.ValueWrite.Text, LuaScript.ValueWrite.Sha1);
            var readSha = await LoadAsync(db, LuaScript.ValueRead.Text, LuaScript.ValueRead.Sha1);
            var minimalWriteSha = await LoadAsync(db, MinimalWrite, SHA1.HashData(Encoding.UTF8.GetBytes(MinimalWrite)));
            var minimalReadSha = await LoadAsync(db, MinimalRead, SHA1.HashData(Encoding.UTF8.GetBytes(MinimalRead)));
            var listPushSha = await LoadAsync(db, LuaScript.ListPush.Text, LuaScript.ListPush.Sha1);
            var listReadSha = await LoadAsync(db, LuaScript.ListRead.Text, LuaScript.ListRead.Sha1);
            var payload = (RedisValue)workload.Payload;
            Console.Error.WriteLine($"Payload: {workload.Payload.Length} bytes (MessagePack of the SDK cases' model); {options.Keys} keys per case; {options.InFlight} operations in flight.");

            var cases = new List<Func<int, Task>>();
            // With set null, only the read is measured (after the fill, which is then required).
            void Measure<TSet, TGet>(string group, string selector, Func<int, ValueTask<TSet>>? set, Func<int, ValueTask<TGet>> get, Func<int, ValueTask<TSet>>? fill = null, Func<Task>? check = null, LoadDriver? on = null, string setOp = "SET", string getOp = "GET")
            {
                if (!options.Runs(selector))
                {
                    return;
                }

                var driver = on ?? defaultDriver;
                var setResult = set is null ? null : new CaseResult(group, setOp);
                var getResult = new CaseResult(group, getOp);
                if (setResult is not null)
                {
                    results.Add(setResult);
                }

                results.Add(getResult);
                cases.Add(async round =>
                {
                    Console.Error.Write($"[round {round + 1}] {group}:");
                    if (set is not null)
                    {
                        Console.Error.Write($" {setOp}…");
                        await driver.RunAsync(setResult!, set);
                        Console.Error.Write($" {setResult!.OpsPerSecond:N0}/s;");
                    }

                    Console.Error.Write(" fill…");
                    await driver.FillAsync(fill ?? set ?? throw new InvalidOperationException($"{selector}: a read-only case needs a fill"));
                    if (check is not null)
                    {
                        await check();
                    }

                    Console.Error.Write($" {getOp}…");
                    await driver.RunAsync(getResult, get);
                    Console.Error.WriteLine($" {getResult.OpsPerSecond:N0}/s (cumulative)");
                });
            }

            // 1. Raw StackExchange.Redis, one node.
            var rawKeys = workload.Keys("raw:").Select(k => (RedisKey)k).ToArray();
            Measure(
                "1. raw SE.Redis, 1 node",
                "raw",
                k => new ValueTask<bool>(db[0].StringSetAsync(rawKeys[k], payload)),
                k => new ValueTask<RedisValue>(db[0].StringGetAsync(rawKeys[k])));

            // 2. Plain unversioned SET/GET to all 3 nodes, waiting for 2.
            var plainKeys = workload.Keys("plain:").Select(k => (RedisKey)k).ToArray();
            Measure(
                $"2. plain fan-out, {q} of {n}",
                "plain",
                k => Fan(plainKeys[k], (node, key) => node.StringSetAsync(key, payload)),
                k => Fan(plainKeys[k], static (node, key) => node.StringGetAsync(key)));

            // 3. The SDK's own scripts (same SHA1, same KEYS and ARGV as an SDK Set/Get without TTL), hand-written fan-out:
            // with slot digests (the default: KEYS data, meta, slot index, slot digest; ARGV ends with the entry hash,
            // computed per write from the key and version as the SDK does, and due '0') and without them.
            var slotKeys = new SlotKeys(new AnarchoRedisOptions().SlotKeyPrefix);
            var bareVersions = new VersionSource();
            RedisValue typeName = "bench.value";
            RedisValue zero = "0";
            RedisValue modeValue = "v";
            foreach (var (label, selector, prefix, digests) in new[]
            {
                ($"3. bare SDK scripts, {q} of {n}", "bare", "bare:", true),
                ($"3. bare SDK scripts, no slot digests, {q} of {n}", "bare-nodigest", "barend:", false),
            })
            {
                var bareKeys = workload.Keys(prefix);
                var bareMeta = Workload.MetaKeys(AnarchoRedisOptions.DefaultMetaKeyPrefix, bareKeys);
                var bareWriteKeys = new RedisKey[bareKeys.Length][];
                for (var i = 0; i < bareKeys.Length; i++)
                {
                    var slot = HashSlot.Of(bareKeys[i]);
                    bareWriteKeys[i] = digests ? [bareKeys[i], bareMeta[i], slotKeys.IndexKey(slot), slotKeys.DigestKey(slot)] : [bareKeys[i], bareMeta[i]];
                }

                Measure(
                    label,
                    selector,
                    k =>
                    {
                        var keys = bareWriteKeys[k];
                        RedisValue[] argv;
                        if (digests)
                        {
                            var version = bareVersions.NextVersion();
                            argv = [version.ToString(), modeValue, payload, zero, zero, zero, typeName, zero, SlotEntry.ValueHash(bareKeys[k], version), zero];
                        }
                        else
                        {
                            argv = [bareVersions.Next(), modeValue, payload, zero, zero, zero, typeName, zero];
                        }

                        return Fan((keys, argv), (node, s) => node.ScriptEvaluateAsync(writeSha, s.keys, s.argv));
                    },
                    k =>
                    {
                        RedisKey[] keys = [bareKeys[k], bareMeta[k]];
                        return Fan(keys, (node, keys) => node.ScriptEvaluateAsync(readSha, keys, []));
                    },
                    check: async () =>
                    {
                        var reply = (RedisResult[])(await db[0].ScriptEvaluateAsync(readSha, [bareKeys[0], bareMeta[0]], []))!;
                        Require((long)reply[0] == 0 && !reply[1].IsNull && !reply[7].IsNull, $"{selector}: value_read.lua found no versioned value after the fill");
                        var slot = HashSlot.Of(bareKeys[0]);
                        var entry = await db[0].HashGetAsync(slotKeys.IndexKey(slot), bareKeys[0]);
                        Require(entry.IsNull != digests, $"{selector}: the slot index entry is {(entry.IsNull ? "missing" : "present")}");
                    });
            }

            // 4. A minimal versioned script.
            var minKeys = workload.Keys("min:");
            var minMeta = Workload.MetaKeys("min_version:", minKeys);
            var minVersions = new VersionSource();
            Measure(
                $"4. minimal versioned script, {q} of {n}",
                "minimal",
                k =>
                {
                    RedisKey[] keys = [minKeys[k], minMeta[k]];
                    RedisValue[] argv = [minVersions.Next(), payload];
                    return Fan((keys, argv), (node, s) => node.ScriptEvaluateAsync(minimalWriteSha, s.keys, s.argv));
                },
                k =>
                {
                    RedisKey[] keys = [minKeys[k], minMeta[k]];
                    return Fan(keys, (node, keys) => node.ScriptEvaluateAsync(minimalReadSha, keys));
                },
                check: async () =>
                {
                    var reply = (RedisResult[])(await db[0].ScriptEvaluateAsync(minimalReadSha, [minKeys[0], minMeta[0]]))!;
                    Require(!reply[0].IsNull && !reply[1].IsNull, "minimal: no versioned value after the fill");
                });

            // 5. The SDK (slot digests and coalescing on, the defaults), a client with SlotDigests = false and one with MaxBatchSize = 1.
            await using var client = await AnarchoRedisClient.ConnectAsync(new AnarchoRedisOptions
            {
                Nodes = servers.EndPoints.ToList(),
                NodeTimeout = TimeSpan.FromSeconds(options.TimeoutSeconds),
            });
            await using var noDigestClient = await AnarchoRedisClient.ConnectAsync(new AnarchoRedisOptions
            {
                Nodes = servers.EndPoints.ToList(),
                NodeTimeout = TimeSpan.FromSeconds(options.TimeoutSeconds),
                SlotDigests = false,
            });
            await using var noBatchClient = await AnarchoRedisClient.ConnectAsync(new AnarchoRedisOptions
            {
                Nodes = servers.EndPoints.ToList(),
                NodeTimeout = TimeSpan.FromSeconds(options.TimeoutSeconds),
                MaxBatchSize = 1,
            });
            var store = client.GetValueStore(new ReplicatedValueDescriptor<BenchValue>("bench.value", "sdk:{Id}"));
            var noBatchStore = noBatchClient.GetValueStore(new ReplicatedValueDescriptor<BenchValue>("bench.value", "sdk:{Id}"));
            var noDigestStore = noDigestClient.GetValueStore(new ReplicatedValueDescriptor<BenchValue>("bench.value", "sdk:{Id}"));
            var value = workload.Value;
            var quorumTargeted = new ReadOptions { Consistency = Consistency.Quorum, FanOut = ReadFanOut.Required };
            var oneTargeted = new ReadOptions { Consistency = Consistency.One, FanOut = ReadFanOut.Required };
            foreach (var (label, selector, sdkStore, prefix, write, read) in new (string, string, ReplicatedValueStore<BenchValue>, string, WriteOptions?, ReadOptions)[]
            {
                ($"5. SDK, W=R={q} of {n} (quorum, coalesced)", "sdk", store, "sdk:", WriteOptions.Quorum, ReadOptions.Quorum),
                ($"5. SDK, W=R={q} of {n}, not coalesced (MaxBatchSize = 1)", "sdk-nobatch", noBatchStore, "sdknb:", WriteOptions.Quorum, ReadOptions.Quorum),
                ($"5. SDK, W=R={q} of {n}, no slot digests", "sdk-nodigest", noDigestStore, "sdknd:", WriteOptions.Quorum, ReadOptions.Quorum),
                ($"5. SDK, W=R=1 of {n} (one)", "sdk-one", store, "sdk:", WriteOptions.One, ReadOptions.One),
                ($"5. SDK, W=R={n} of {n} (all)", "sdk-all", store, "sdk:", WriteOptions.All, ReadOptions.All),
                ($"6. SDK, R={q} of {n}, read sent to {q} nodes (hedged)", "sdk-r", store, "sdk:", null, quorumTargeted),
                ($"6. SDK, R=1 of {n}, read sent to 1 node (hedged)", "sdk-one-r", store, "sdk:", null, oneTargeted),
            })
            {
                var sdkKeys = workload.Keys(prefix);
                Measure(
                    label,
                    selector,
                    write is null ? null : k => sdkStore.SetAsync(sdkKeys[k], value, write),
                    k => sdkStore.GetAsync(sdkKeys[k], read),
                    fill: k => sdkStore.SetAsync(sdkKeys[k], value, WriteOptions.All),
                    check: async () => Require(await sdkStore.GetAsync(sdkKeys[0], ReadOptions.All) is { Id: 4242 }, $"{selector}: the value read back differs"));
            }

            // L. Lists: push one ~100-byte element at the left of one of --list-keys lists (they grow through the run),
            // then read its first 10 elements; 2 of 3 nodes throughout.
            // L1. Plain unversioned LPUSH / LRANGE 0 9 to all 3 nodes, waiting for 2.
            var listRawKeys = listWorkload.Keys("lraw:").Select(k => (RedisKey)k).ToArray();
            Measure(
                $"L1. plain LPUSH fan-out, {q} of {n}",
                "list-raw",
                k => Fan(listRawKeys[k], (node, key) => node.ListLeftPushAsync(key, payload)),
                k => Fan(listRawKeys[k], static (node, key) => node.ListRangeAsync(key, 0, 9)),
                on: listDriver,
                setOp: "PUSH",
                getOp: "RANGE 0..9");

            // L2. The SDK's own list scripts, hand-written fan-out: KEYS and ARGV exactly as ListWriter.PushAsync builds
            // them for a one-element left push without TTL (registry name, operation version, '0', '0', due '0', envelope,
            // element hash; KEYS data, meta, tombstones, plus slot index and digest when digests are on), and as
            // RangeAsync builds them for list_read.lua (registry name, 'range', 0, 9).
            var listVersions = new VersionSource();
            RedisValue listTypeName = "bench.list";
            RedisValue rangeMode = "range";
            RedisValue nine = 9;
            var listPayload = workload.Payload;
            foreach (var (label, selector, prefix, digests) in new[]
            {
                ($"L2. bare SDK list scripts, {q} of {n}", "list-bare", "lbare:", true),
                ($"L2. bare SDK list scripts, no slot digests, {q} of {n}", "list-bare-nodigest", "lbarend:", false),
            })
            {
                var listBareKeys = listWorkload.Keys(prefix);
                var listBareMeta = Workload.MetaKeys(AnarchoRedisOptions.DefaultMetaKeyPrefix, listBareKeys);
                var listBareTomb = Workload.MetaKeys(new AnarchoRedisOptions().ListTombstonePrefix, listBareKeys);
                var listWriteKeys = new RedisKey[listBareKeys.Length][];
                for (var i = 0; i < listBareKeys.Length; i++)
                {
                    var slot = HashSlot.Of(listBareKeys[i]);
                    listWriteKeys[i] = digests
                        ? [listBareKeys[i], listBareMeta[i], listBareTomb[i], slotKeys.IndexKey(slot), slotKeys.DigestKey(slot)]
                        : [listBareKeys[i], listBareMeta[i], listBareTomb[i]];
                }

                Measure(
                    label,
                    selector,
                    k =>
                    {
                        var keys = listWriteKeys[k];
                        var id = listVersions.NextVersion();
                        var version = id.ToString();
                        RedisValue[] argv = [listTypeName, version, zero, zero, zero, zero, ListEnvelope.Encode(id, ListSide.Left, listPayload), ListDigest.Format(ListDigest.ElementHash(id))];
                        return Fan((keys, argv), (node, s) => node.ScriptEvaluateAsync(listPushSha, s.keys, s.argv));
                    },
                    k =>
                    {
                        RedisKey[] keys = [listBareKeys[k], listBareMeta[k], listBareTomb[k]];
                        RedisValue[] argv = [listTypeName, rangeMode, zero, nine];
                        return Fan((keys, argv), (node, s) => node.ScriptEvaluateAsync(listReadSha, s.keys, s.argv));
                    },
                    check: async () =>
                    {
                        var reply = (RedisResult[])(await db[0].ScriptEvaluateAsync(listReadSha, [listBareKeys[0], listBareMeta[0], listBareTomb[0]], [listTypeName, rangeMode, zero, nine]))!;
                        Require((long)reply[0] == 0 && (long)reply[2] > 0 && ((RedisResult[])reply[6]!).Length > 0, $"{selector}: list_read.lua found no list after the fill");
                        var entry = await db[0].HashGetAsync(slotKeys.IndexKey(HashSlot.Of(listBareKeys[0])), listBareKeys[0]);
                        Require(entry.IsNull != digests, $"{selector}: the slot index entry is {(entry.IsNull ? "missing" : "present")}");
                    },
                    on: listDriver,
                    setOp: "PUSH",
                    getOp: "RANGE 0..9");
            }

            // L3. The SDK: PushLeftAsync with one element per call at W=2, RangeAsync(key, 0, 9) at R=2; with and without
            // slot digests.
            foreach (var (label, selector, listClient, prefix, write, read) in new (string, string, AnarchoRedisClient, string, WriteOptions?, ReadOptions)[]
            {
                ($"L3. SDK lists, W=R={q} of {n}", "list-sdk", client, "lsdk:", WriteOptions.Quorum, ReadOptions.Quorum),
                ($"L3. SDK lists, W=R={q} of {n}, no slot digests", "list-sdk-nodigest", noDigestClient, "lsdknd:", WriteOptions.Quorum, ReadOptions.Quorum),
                ($"L3. SDK lists, W=R=1 of {n} (one)", "list-sdk-one", client, "lsdk:", WriteOptions.One, ReadOptions.One),
                ($"L3. SDK lists, W=R={n} of {n} (all)", "list-sdk-all", client, "lsdk:", WriteOptions.All, ReadOptions.All),
                ($"L4. SDK lists, R={q} of {n}, read sent to {q} nodes (hedged)", "list-sdk-r", client, "lsdk:", null, quorumTargeted),
                ($"L4. SDK lists, R=1 of {n}, read sent to 1 node (hedged)", "list-sdk-one-r", client, "lsdk:", null, oneTargeted),
            })
            {
                var listStore = listClient.GetListStore(new ReplicatedListDescriptor<BenchValue>("bench.list", "lsdk:{Id}"));
                var listSdkKeys = listWorkload.Keys(prefix);
                Measure(
                    label,
                    selector,
                    write is null ? null : k => listStore.PushLeftAsync(listSdkKeys[k], value, write),
                    k => listStore.RangeAsync(listSdkKeys[k], 0, 9, read),
                    fill: k => listStore.PushLeftAsync(listSdkKeys[k], value, WriteOptions.All),
                    check: async () => Require((await listStore.RangeAsync(listSdkKeys[0], 0, 9, ReadOptions.All)) is [{ Id: 4242 }, ..], $"{selector}: the list read back differs"),
                    on: listDriver,
                    setOp: "PUSH",
                    getOp: "RANGE 0..9");
            }

            // Round r starts at case r (mod count), so that no case always runs first or last while other
            // load on the shared machine comes and goes.
            for (var round = 0; round < options.Rounds; round++)
            {
                for (var i = 0; i < cases.Count; i++)
                {
                    await cases[(i + round) % cases.Count](round);
                }
            }

            return results;
        }
        finally
        {
            foreach (var connection in connections)
            {
                await connection.CloseAsync(allowCommandsToComplete: false);
                connection.Dispose();
            }
        }
    }

    /// <summary>Parses <c>cmdstat_NAME:calls=N,usec=N,…</c> from INFO commandstats; (0, 0) when the command never ran.</summary>
    internal static (long Calls, long Usec) CommandStats(string info, string command)
    {
        foreach (var line in info.Split('\n'))
        {
            if (!line.StartsWith($"cmdstat_{command}:", StringComparison.Ordinal))
            {
                continue;
            }

            long calls = 0, usec = 0;
            foreach (var pair in line[(line.IndexOf(':', StringComparison.Ordinal) + 1)..].Trim().Split(','))
            {
                var parts = pair.Split('=');
                if (parts.Length == 2 && parts[0] == "calls")
                {
                    calls = long.Parse(parts[1], CultureInfo.InvariantCulture);
                }
                else if (parts.Length == 2 && parts[0] == "usec")
                {
                    usec = long.Parse(parts[1], CultureInfo.InvariantCulture);
                }
            }

            return (calls, usec);
        }

        return (0, 0);
    }

    internal static void Require(bool condition, string message)
    {
        if (!condition)
        {
            throw new InvalidOperationException(message);
        }
    }

    /// <summary>The hand-written cases connect as the SDK does: one multiplexer per node, fail fast, same timeouts.</summary>
    internal static ConfigurationOptions NodeConfiguration(string endPoint, BenchArguments options)
    {
        var config = ConfigurationOptions.Parse(endPoint);
        config.AbortOnConnectFail = false;
        config.BacklogPolicy = BacklogPolicy.FailFast;
        config.SyncTimeout = config.AsyncTimeout = options.TimeoutSeconds * 1000;
        config.ClientName = "anarchoredis-bench";

        // Only for INFO commandstats (the redis µs per EVALSHA column); no case sends an admin command.
        config.AllowAdmin = true;
        return config;
    }

    private static async Task<byte[]> LoadAsync(IDatabase[] nodes, string text, byte[] sha1)
    {
        foreach (var node in nodes)
        {
            var loaded = (byte[]?)await node.ExecuteAsync("SCRIPT", "LOAD", text);
            var hex = loaded is null ? string.Empty : Encoding.ASCII.GetString(loaded);
            Require(string.Equals(hex, Convert.ToHexStringLower(sha1), StringComparison.Ordinal), $"SCRIPT LOAD returned {hex}, expected {Convert.ToHexStringLower(sha1)}");
        }

        return sha1;
    }

    internal static string? FindRedisServer()
    {
        foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? string.Empty).Split(Path.PathSeparator))
        {
            var candidate = Path.Combine(dir, "redis-server");
            if (dir.Length > 0 && File.Exists(candidate))
            {
                return candidate;
            }
        }

        return File.Exists("/usr/bin/redis-server") ? "/usr/bin/redis-server" : null;
    }

    /// <summary>The 1-minute load average (Linux), to show how busy the shared machine was.</summary>
    internal static string LoadAverage()
    {
        try
        {
            return File.ReadAllText("/proc/loadavg").Split(' ')[0];
        }
        catch (IOException)
        {
            return "?";
        }
    }

    internal static IReadOnlyList<(string Name, string Value)> Describe(BenchArguments options, string redisPath, string[] args, string loadBefore, string loadAfter)
    {
        var seRedis = typeof(ConnectionMultiplexer).Assembly.GetCustomAttributes(typeof(System.Reflection.AssemblyInformationalVersionAttribute), false)
            .OfType<System.Reflection.AssemblyInformationalVersionAttribute>().FirstOrDefault()?.InformationalVersion ?? "?";
        var plus = seRedis.IndexOf('+', StringComparison.Ordinal);
        return
        [
            ("Finished (UTC)", DateTimeOffset.UtcNow.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture)),
            ("Machine", $"{Environment.ProcessorCount} logical cores, {RuntimeInformation.OSDescription}, {RuntimeInformation.OSArchitecture}; the driver and all {options.Nodes} redis-servers share these cores, as do other users' builds (1-min load average {loadBefore} at start, {loadAfter} at end)"),
            (".NET", $"{RuntimeInformation.FrameworkDescription}, {(System.Runtime.GCSettings.IsServerGC ? "server" : "workstation")} GC"),
            ("Redis", RedisServers.Version(redisPath) + $" x {options.Nodes}, `--save '' --appendonly no`, loopback"),
            ("Client", $"StackExchange.Redis {(plus > 0 ? seRedis[..plus] : seRedis)}, one multiplexer per node"),
            ("Load", $"{options.InFlight} operations in flight (closed loop), {options.Keys:N0} keys per case ({options.ListKeys:N0} lists per list case, growing with every push) chosen uniformly at random, {options.Warmup.TotalSeconds:0.#} s warmup + {options.Duration.TotalSeconds:0.#} s measured per row{(options.Rounds > 1 ? $" and round, {options.Rounds} rounds (rotated order), figures summed over rounds" : string.Empty)}"),
            ("Command", "dotnet run -c Release --project benchmarks/AnarchoRedis.Benchmarks --" + (args.Length == 0 ? string.Empty : " " + string.Join(' ', args))),
        ];
    }
}
