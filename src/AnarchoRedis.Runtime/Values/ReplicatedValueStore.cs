using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;

namespace AnarchoRedis;

/// <summary>
/// Versioned, quorum-replicated single values of type <typeparamref name="T"/>. Generated repositories are thin
/// typed wrappers over this; it can also be used directly with a hand-written descriptor.
/// Obtain one from <see cref="AnarchoRedisClient.GetValueStore{T}(ReplicatedValueDescriptor{T})"/>.
/// </summary>
/// <typeparam name="T">The model type.</typeparam>
public sealed class ReplicatedValueStore<T>
    where T : class
{
    private readonly ValueWriter _writer;
    private readonly ValueReader _reader;
    private readonly ValueCodec<T> _codec;

    internal ReplicatedValueStore(ValueWriter writer, ValueReader reader, ValueCodec<T> codec, ReplicatedValueDescriptor<T> descriptor)
    {
        Descriptor = descriptor;
        _writer = writer;
        _reader = reader;
        _codec = codec;
    }

    /// <summary>The type's descriptor.</summary>
    public ReplicatedValueDescriptor<T> Descriptor { get; }

    /// <summary>Reads a value with quorum R; stale replicas seen are repaired.</summary>
    /// <param name="key">The logical key.</param>
    /// <param name="options">Per-call options, or <see langword="null"/>.</param>
    /// <param name="cancellationToken">Cancels the wait (the node commands themselves still run).</param>
    /// <returns>The value, or <see langword="null"/> when absent, deleted or expired.</returns>
    /// <exception cref="QuorumNotReachedException">Fewer than R nodes answered.</exception>
    /// <exception cref="InvalidKeyException">The key cannot be used.</exception>
    /// <exception cref="ValueDecodeException">The winning value cannot be decoded on any node that holds it.</exception>
    public async ValueTask<T?> GetAsync(string key, ReadOptions? options = null, CancellationToken cancellationToken = default)
    {
        // Straight to the replicator (not through GetVersionedAsync): one async state machine and no Versioned<T> per read.
        var read = await _reader.ReadAsync(Descriptor, key, options, _codec, cancellationToken).ConfigureAwait(false);
        return read.HasValue ? (T)read.Value! : null;
    }

    /// <summary>Reads a value and the version of the write that produced it.</summary>
    /// <param name="key">The logical key.</param>
    /// <param name="options">Per-call options, or <see langword="null"/>.</param>
    /// <param name="cancellationToken">Cancels the wait.</param>
    /// <returns>The value and its version, or <see langword="null"/> when absent, deleted or expired.</returns>
    public async ValueTask<Versioned<T>?> GetVersionedAsync(string key, ReadOptions? options = null, CancellationToken cancellationToken = default)
    {
        var read = await _reader.ReadAsync(Descriptor, key, options, _codec, cancellationToken).ConfigureAwait(false);
        return read.HasValue ? new Versioned<T>((T)read.Value!, read.Version) : null;
    }

    /// <summary>Writes a value to every node and returns once W have acknowledged.</summary>
    /// <param name="key">The logical key.</param>
    /// <param name="value">The value.</param>
    /// <param name="options">Per-call options, or <see langword="null"/>.</param>
    /// <param name="cancellationToken">Cancels the wait (the write may still take effect: indeterminate).</param>
    /// <returns>The write's version and acknowledgement count.</returns>
    /// <exception cref="QuorumNotReachedException">Fewer than W nodes acknowledged; see <see cref="QuorumNotReachedException.IsIndeterminate"/>.</exception>
    /// <exception cref="OperationCanceledException">The wait was cancelled after the write was sent: the outcome is indeterminate (the write may take effect, or have taken effect, on any node).</exception>
    /// <exception cref="ValueTooLargeException">The serialized value exceeds <see cref="AnarchoRedisOptions.MaxValueBytes"/>.</exception>
    public ValueTask<WriteResult> SetAsync(string key, T value, WriteOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(value);
        var payload = _codec.Encode(key, value);
        return _writer.WriteAsync(Descriptor, key, payload, options, cancellationToken);
    }

    /// <summary>
    /// Writes many values at once: every write goes out together, so the writes bound for one node coalesce into a few
    /// script calls (<see cref="AnarchoRedisOptions.MaxBatchSize"/>). Each write is the single <see cref="SetAsync"/>,
    /// atomic per key and versioned on its own, with its own outcome: one item's failure (an invalid key, a value too
    /// large, a quorum not reached) does not fail the others. A key given twice is written twice (the later version wins).
    /// </summary>
    /// <param name="items">The keys and their values.</param>
    /// <param name="options">Per-call options for every item, or <see langword="null"/>.</param>
    /// <param name="cancellationToken">Cancels the wait (writes already sent may still take effect: indeterminate).</param>
    /// <returns>One outcome per item, in the order given.</returns>
    /// <exception cref="OperationCanceledException">The wait was cancelled.</exception>
    public ValueTask<IReadOnlyList<BatchItemResult<WriteResult>>> SetManyAsync(IEnumerable<KeyValuePair<string, T>> items, WriteOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(items);
        return ManyAsync("BATCH set", Descriptor.Name, items as IReadOnlyList<KeyValuePair<string, T>> ?? [.. items], static item => item.Key, (item, key) => SetAsync(key, item.Value, options, cancellationToken).AsTask(), cancellationToken);
    }

    /// <summary>
    /// Writes many values at once, each under the key <paramref name="keyOf"/> builds from it (generated repositories
    /// pass their key template); otherwise as <see cref="SetManyAsync(IEnumerable{KeyValuePair{string, T}}, WriteOptions?, CancellationToken)"/>.
    /// A value whose key cannot be built fails alone, with an empty <see cref="BatchItemResult{TResult}.Key"/>.
    /// </summary>
    /// <param name="values">The values.</param>
    /// <param name="keyOf">Builds a value's key.</param>
    /// <param name="options">Per-call options for every item, or <see langword="null"/>.</param>
    /// <param name="cancellationToken">Cancels the wait (writes already sent may still take effect: indeterminate).</param>
    /// <returns>One outcome per value, in the order given.</returns>
    /// <exception cref="OperationCanceledException">The wait was cancelled.</exception>
    public ValueTask<IReadOnlyList<BatchItemResult<WriteResult>>> SetManyAsync(IEnumerable<T> values, Func<T, string> keyOf, WriteOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(values);
        ArgumentNullException.ThrowIfNull(keyOf);
        return ManyAsync("BATCH set", Descriptor.Name, values as IReadOnlyList<T> ?? [.. values], keyOf, (value, key) => SetAsync(key, value, options, cancellationToken).AsTask(), cancellationToken);
    }

    /// <summary>
    /// Reads many values at once: every read goes out together, so the reads bound for one node coalesce into a few
    /// script calls. Each read is the single <see cref="GetVersionedAsync"/> (quorum, read repair) with its own outcome.
    /// </summary>
    /// <param name="keys">The keys.</param>
    /// <param name="options">Per-call options for every key, or <see langword="null"/>.</param>
    /// <param name="cancellationToken">Cancels the wait.</param>
    /// <returns>One outcome per key, in the order given: the value and its version, or <see langword="null"/> when absent, deleted or expired.</returns>
    /// <exception cref="OperationCanceledException">The wait was cancelled.</exception>
    public ValueTask<IReadOnlyList<BatchItemResult<Versioned<T>?>>> GetManyAsync(IEnumerable<string> keys, ReadOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(keys);
        return ManyAsync("BATCH get", Descriptor.Name, keys as IReadOnlyList<string> ?? [.. keys], static key => key, (key, _) => GetVersionedAsync(key, options, cancellationToken).AsTask(), cancellationToken);
    }

    /// <summary>
    /// Starts every item's single call at once (so the calls to one node coalesce), then waits for each: an item gets its
    /// result or the exception its call threw, whether before anything was sent (invalid key, null or oversized value)
    /// or after; only the cancellation of the whole wait is thrown. An item whose key cannot be built has an empty key.
    /// Traced as one internal span for the batch, with each item's operation span under it: every item is a quorum
    /// operation of its own, with its own nodes' answers and outcome.
    /// </summary>
    private static async ValueTask<IReadOnlyList<BatchItemResult<TResult>>> ManyAsync<TItem, TResult>(string operation, string typeName, IReadOnlyList<TItem> items, Func<TItem, string> keyOf, Func<TItem, string, Task<TResult>> call, CancellationToken cancellationToken)
    {
        using var span = AnarchoRedisTracing.StartCall(operation, typeName, AnarchoRedisTracing.ValueKind);
        span?.SetTag("db.operation.batch.size", items.Count);
        var calls = new Task<TResult>?[items.Count];
        var keys = new string[items.Count];
        var results = new BatchItemResult<TResult>[items.Count];
        for (var i = 0; i < items.Count; i++)
        {
            keys[i] = string.Empty;
            try
            {
                keys[i] = keyOf(items[i]) ?? string.Empty;
                calls[i] = call(items[i], keys[i]);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                results[i] = new BatchItemResult<TResult>(keys[i], ex);
            }
        }

        for (var i = 0; i < calls.Length; i++)
        {
            if (calls[i] is not { } pending)
            {
                continue;
            }

            try
            {
                results[i] = new BatchItemResult<TResult>(keys[i], await pending.ConfigureAwait(false));
            }
            catch (OperationCanceledException ex) when (cancellationToken.IsCancellationRequested && !AnarchoRedisTracing.Failed(span, ex))
            {
                throw;
            }
            catch (Exception ex)
            {
                results[i] = new BatchItemResult<TResult>(keys[i], ex);
            }
        }

        if (span is not null)
        {
            AnarchoRedisTracing.Outcome(span, "ok");
            span.SetTag("anarchoredis.batch.failed", Array.FindAll(results, r => !r.IsSuccess).Length);
        }

        return results;
    }

    /// <summary>Deletes a value: writes a tombstone that keeps the delete from being undone by stale replicas.</summary>
    /// <param name="key">The logical key.</param>
    /// <param name="options">Per-call options, or <see langword="null"/>.</param>
    /// <param name="cancellationToken">Cancels the wait (the delete may still take effect: indeterminate).</param>
    /// <returns>The tombstone's version and acknowledgement count.</returns>
    /// <exception cref="QuorumNotReachedException">Fewer than W nodes acknowledged; see <see cref="QuorumNotReachedException.IsIndeterminate"/>.</exception>
    /// <exception cref="OperationCanceledException">The wait was cancelled after the write was sent: the outcome is indeterminate (the write may take effect, or have taken effect, on any node).</exception>
    public ValueTask<WriteResult> DeleteAsync(string key, WriteOptions? options = null, CancellationToken cancellationToken = default) =>
        _writer.DeleteAsync(Descriptor, key, options, cancellationToken);
}
