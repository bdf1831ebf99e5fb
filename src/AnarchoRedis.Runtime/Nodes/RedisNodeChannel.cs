using System;
using System.Collections.Generic;
using System.Threading.Tasks;
using StackExchange.Redis;

namespace AnarchoRedis;

/// <summary>
/// The production <see cref="INodeChannel"/>: each call is one StackExchange.Redis call on the node's database, except
/// the calls of a script with a batch form (the value write and the value read), which a <see cref="ScriptBatcher"/> per
/// script coalesces under load when <see cref="AnarchoRedisOptions.MaxBatchSize"/> is above 1.
/// </summary>
internal sealed class RedisNodeChannel : INodeChannel
{
    private readonly DirectChannel _direct;
    private readonly ScriptBatcher? _valueWrites;
    private readonly ScriptBatcher? _valueReads;

    public RedisNodeChannel(IDatabase database, int maxBatchSize = 1, int maxInFlight = 1, TimeSpan? maxWait = null)
    {
        Database = database;
        _direct = new DirectChannel(database);
        if (maxBatchSize > 1)
        {
            var wait = maxWait ?? TimeSpan.FromSeconds(1);
            _valueWrites = new ScriptBatcher(_direct, LuaScript.ValueWrite, maxBatchSize, maxInFlight, wait);
            _valueReads = new ScriptBatcher(_direct, LuaScript.ValueRead, maxBatchSize, maxInFlight, wait);
        }
    }

    public IDatabase Database { get; }

    /// <summary>The value write coalescer, or null with coalescing off.</summary>
    internal ScriptBatcher? ValueWriteBatcher => _valueWrites;

    /// <summary>The value read coalescer, or null with coalescing off.</summary>
    internal ScriptBatcher? ValueReadBatcher => _valueReads;

    public Task<RedisResult> EvaluateAsync(LuaScript script, RedisKey[] keys, RedisValue[] values) =>
        ReferenceEquals(script, LuaScript.ValueWrite) && _valueWrites is { } writes ? writes.EvaluateAsync(keys, values)
        : ReferenceEquals(script, LuaScript.ValueRead) && _valueReads is { } reads ? reads.EvaluateAsync(keys, values)
        : _direct.EvaluateAsync(script, keys, values);

    public Task LoadAsync(LuaScript script) => _direct.LoadAsync(script);

    public Task PingAsync() => _direct.PingAsync();

    /// <summary>One StackExchange.Redis call per call, nothing added.</summary>
    private sealed class DirectChannel(IDatabase database) : INodeChannel
    {
        public Task<RedisResult> EvaluateAsync(LuaScript script, RedisKey[] keys, RedisValue[] values) =>
            database.ScriptEvaluateAsync(script.Sha1, keys, values);

        /// <summary>
        /// SCRIPT LOAD is keyless: on a cluster StackExchange.Redis would send it to one primary, while EVALSHA goes to the
        /// shard of its keys (NOSCRIPT again). On a cluster it goes to every connected primary; a shard that cannot take it
        /// is left out (the EVALSHA on it then fails with its own error).
        /// </summary>
        public async Task LoadAsync(LuaScript script)
        {
            var primaries = database.Multiplexer.GetServers();
            if (primaries.Length <= 1)
            {
                await database.ExecuteAsync("SCRIPT", "LOAD", script.Text).ConfigureAwait(false);
                return;
            }

            var loads = new List<Task>(primaries.Length);
            foreach (var server in primaries)
            {
                if (server.IsConnected && !server.IsReplica)
                {
                    loads.Add(server.ScriptLoadAsync(script.Text));
                }
            }

            try
            {
                await Task.WhenAll(loads).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is RedisException or TimeoutException && loads.Exists(l => l.IsCompletedSuccessfully))
            {
                // Loaded on some shards: the EVALSHA that follows says whether its own shard has it.
            }
        }

        public Task PingAsync() => database.PingAsync();
    }
}
