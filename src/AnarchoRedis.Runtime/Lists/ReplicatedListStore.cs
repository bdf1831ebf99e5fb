using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;

namespace AnarchoRedis;

/// <summary>
/// Replicated lists of <typeparamref name="T"/> elements, one list per key: pushes from any client are all kept,
/// in one canonical order on every node, and removed elements never come back. Generated list repositories are thin
/// typed wrappers over this. Obtain one from <see cref="AnarchoRedisClient.GetListStore{T}(ReplicatedListDescriptor{T})"/>.
/// </summary>
/// <typeparam name="T">The element type.</typeparam>
public sealed class ReplicatedListStore<T>
    where T : class
{
    internal ReplicatedListStore(AnarchoRedisClient client, ReplicatedListDescriptor<T> descriptor)
    {
        ArgumentNullException.ThrowIfNull(client);
        Descriptor = descriptor;
    }

    /// <summary>The type's descriptor.</summary>
    public ReplicatedListDescriptor<T> Descriptor { get; }

    /// <summary>Pushes one element at the head (like LPUSH).</summary>
    /// <param name="key">The logical key.</param>
    /// <param name="item">The element.</param>
    /// <param name="options">Per-call options, or <see langword="null"/>.</param>
    /// <param name="cancellationToken">Cancels the wait.</param>
    /// <returns>The push's version and the list's length on the acknowledging nodes.</returns>
    public ValueTask<ListWriteResult> PushLeftAsync(string key, T item, WriteOptions? options = null, CancellationToken cancellationToken = default) =>
        throw new NotImplementedException("Replicated lists are being built (issue 3).");

    /// <summary>Pushes several elements at the head, like <c>LPUSH key a b c</c>: the last one ends first.</summary>
    /// <param name="key">The logical key.</param>
    /// <param name="items">The elements.</param>
    /// <param name="options">Per-call options, or <see langword="null"/>.</param>
    /// <param name="cancellationToken">Cancels the wait.</param>
    /// <returns>The push's version and the list's length on the acknowledging nodes.</returns>
    public ValueTask<ListWriteResult> PushLeftAsync(string key, IEnumerable<T> items, WriteOptions? options = null, CancellationToken cancellationToken = default) =>
        throw new NotImplementedException("Replicated lists are being built (issue 3).");

    /// <summary>Pushes one element at the tail (like RPUSH).</summary>
    /// <param name="key">The logical key.</param>
    /// <param name="item">The element.</param>
    /// <param name="options">Per-call options, or <see langword="null"/>.</param>
    /// <param name="cancellationToken">Cancels the wait.</param>
    /// <returns>The push's version and the list's length on the acknowledging nodes.</returns>
    public ValueTask<ListWriteResult> PushRightAsync(string key, T item, WriteOptions? options = null, CancellationToken cancellationToken = default) =>
        throw new NotImplementedException("Replicated lists are being built (issue 3).");

    /// <summary>Pushes several elements at the tail, like <c>RPUSH key a b c</c>.</summary>
    /// <param name="key">The logical key.</param>
    /// <param name="items">The elements.</param>
    /// <param name="options">Per-call options, or <see langword="null"/>.</param>
    /// <param name="cancellationToken">Cancels the wait.</param>
    /// <returns>The push's version and the list's length on the acknowledging nodes.</returns>
    public ValueTask<ListWriteResult> PushRightAsync(string key, IEnumerable<T> items, WriteOptions? options = null, CancellationToken cancellationToken = default) =>
        throw new NotImplementedException("Replicated lists are being built (issue 3).");

    /// <summary>Reads elements <paramref name="start"/>..<paramref name="stop"/> with LRANGE index semantics (negative indexes count from the tail).</summary>
    /// <param name="key">The logical key.</param>
    /// <param name="start">The first index.</param>
    /// <param name="stop">The last index, inclusive.</param>
    /// <param name="options">Per-call options, or <see langword="null"/>.</param>
    /// <param name="cancellationToken">Cancels the wait.</param>
    /// <returns>The elements; empty when the list is absent.</returns>
    public ValueTask<IReadOnlyList<T>> RangeAsync(string key, long start = 0, long stop = -1, ReadOptions? options = null, CancellationToken cancellationToken = default) =>
        throw new NotImplementedException("Replicated lists are being built (issue 3).");

    /// <summary>The number of elements.</summary>
    /// <param name="key">The logical key.</param>
    /// <param name="options">Per-call options, or <see langword="null"/>.</param>
    /// <param name="cancellationToken">Cancels the wait.</param>
    /// <returns>The length; 0 when the list is absent.</returns>
    public ValueTask<long> LengthAsync(string key, ReadOptions? options = null, CancellationToken cancellationToken = default) =>
        throw new NotImplementedException("Replicated lists are being built (issue 3).");

    /// <summary>Removes and returns the head: a quorum read of the canonical head, then its removal by id (at-least-once under concurrent pops).</summary>
    /// <param name="key">The logical key.</param>
    /// <param name="options">Per-call options, or <see langword="null"/>.</param>
    /// <param name="cancellationToken">Cancels the wait.</param>
    /// <returns>The element, or <see langword="null"/> when the list is empty.</returns>
    public ValueTask<T?> PopLeftAsync(string key, WriteOptions? options = null, CancellationToken cancellationToken = default) =>
        throw new NotImplementedException("Replicated lists are being built (issue 3).");

    /// <summary>Removes and returns the tail (at-least-once under concurrent pops).</summary>
    /// <param name="key">The logical key.</param>
    /// <param name="options">Per-call options, or <see langword="null"/>.</param>
    /// <param name="cancellationToken">Cancels the wait.</param>
    /// <returns>The element, or <see langword="null"/> when the list is empty.</returns>
    public ValueTask<T?> PopRightAsync(string key, WriteOptions? options = null, CancellationToken cancellationToken = default) =>
        throw new NotImplementedException("Replicated lists are being built (issue 3).");

    /// <summary>Removes every element equal to <paramref name="item"/> (same serialized bytes).</summary>
    /// <param name="key">The logical key.</param>
    /// <param name="item">The element to remove.</param>
    /// <param name="options">Per-call options, or <see langword="null"/>.</param>
    /// <param name="cancellationToken">Cancels the wait.</param>
    /// <returns>How many elements were removed.</returns>
    public ValueTask<long> RemoveAsync(string key, T item, WriteOptions? options = null, CancellationToken cancellationToken = default) =>
        throw new NotImplementedException("Replicated lists are being built (issue 3).");

    /// <summary>Keeps only elements <paramref name="start"/>..<paramref name="stop"/>, with LTRIM semantics.</summary>
    /// <param name="key">The logical key.</param>
    /// <param name="start">The first index kept.</param>
    /// <param name="stop">The last index kept, inclusive.</param>
    /// <param name="options">Per-call options, or <see langword="null"/>.</param>
    /// <param name="cancellationToken">Cancels the wait.</param>
    /// <returns>The trim's version and the resulting length.</returns>
    public ValueTask<ListWriteResult> TrimAsync(string key, long start, long stop, WriteOptions? options = null, CancellationToken cancellationToken = default) =>
        throw new NotImplementedException("Replicated lists are being built (issue 3).");

    /// <summary>Deletes the whole list: every element pushed before the delete is gone on every node, later pushes start a new list.</summary>
    /// <param name="key">The logical key.</param>
    /// <param name="options">Per-call options, or <see langword="null"/>.</param>
    /// <param name="cancellationToken">Cancels the wait.</param>
    /// <returns>The delete's version and acknowledgement count.</returns>
    public ValueTask<WriteResult> DeleteAsync(string key, WriteOptions? options = null, CancellationToken cancellationToken = default) =>
        throw new NotImplementedException("Replicated lists are being built (issue 3).");
}
