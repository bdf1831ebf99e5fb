using System;
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
