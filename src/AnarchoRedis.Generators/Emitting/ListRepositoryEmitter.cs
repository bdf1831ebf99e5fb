using System.Collections.Generic;
using System.Linq;
using AnarchoRedis.Generators.Model;
using static AnarchoRedis.Generators.Emitting.GeneratedText;

namespace AnarchoRedis.Generators.Emitting;

/// <summary>Emits <c>I{T}ListRepository</c> and <c>{T}ListRepository</c> for one <c>[ReplicatedList]</c> type.</summary>
internal static class ListRepositoryEmitter
{
    private const string ListWriteResult = "global::AnarchoRedis.ListWriteResult";
    private const string ReadOptionsDoc = "/// <param name=\"options\">Per-call read options, or <see langword=\"null\"/> for the type's defaults.</param>";
    private const string WriteOptionsDoc = "/// <param name=\"options\">Per-call write options, or <see langword=\"null\"/> for the type's defaults.</param>";
    private const string ReadCancellationDoc = "/// <param name=\"cancellationToken\">Cancels the wait.</param>";
    private const string WriteCancellationDoc = "/// <param name=\"cancellationToken\">Cancels the wait; the write may still take effect.</param>";

    public static string HintName(ReplicatedTypeSpec spec) => spec.FullName + ".ListRepository.g.cs";

    /// <param name="spec">A list type's spec.</param>
    /// <param name="descriptor">The expression that yields the type's list descriptor, e.g. <c>global::Samples.ReplicatedTypes.ChatMessage</c>.</param>
    public static string Emit(ReplicatedTypeSpec spec, string descriptor)
    {
        var writer = GeneratedText.NewFile();
        var accessibility = spec.IsPublic ? "public" : "internal";
        var keyParts = spec.Parts.Where(p => p.IsPlaceholder).ToList();
        var model = spec.FullyQualifiedName;
        var interfaceName = GeneratedText.Qualified(spec.Namespace, spec.InterfaceName);
        var template = "<c>" + GeneratedText.Xml(spec.KeyTemplate) + "</c>";
        var methods = Methods(model);

        GeneratedText.OpenNamespace(writer, spec.Namespace);

        writer.WriteLine("/// <summary>");
        writer.WriteLine("/// Reads and writes replicated lists of <see cref=\"" + model + "\"/> elements, one list per key of the form " + template + ".");
        writer.WriteLine("/// Pushes from every client are kept, in one order on every node; indexes follow Redis list semantics.");
        writer.WriteLine("/// </summary>");
        writer.WriteLine(GeneratedText.GeneratedCodeAttribute);
        writer.OpenBlock(accessibility + " partial interface " + spec.InterfaceName);
        for (var i = 0; i < methods.Count; i++)
        {
            var method = methods[i];
            if (i > 0)
            {
                writer.WriteLine();
            }

            writer.WriteLine("/// <summary>" + method.Summary + "</summary>");
            WriteKeyParamDocs(writer, keyParts);
            foreach (var doc in method.ParameterDocs)
            {
                writer.WriteLine(doc);
            }

            writer.WriteLine("/// <returns>" + method.Returns + "</returns>");
            if (method.NullChecked is { } checkedParameter)
            {
                writer.WriteLine("/// <exception cref=\"global::System.ArgumentNullException\"><paramref name=\"" + checkedParameter + "\"/> is <see langword=\"null\"/>.</exception>");
            }

            writer.WriteLine(Signature(method, keyParts) + ";");
        }

        writer.CloseBlock();
        writer.WriteLine();

        writer.WriteLine("/// <summary>The <see cref=\"" + interfaceName + "\"/> over the list store of an <see cref=\"global::AnarchoRedis.AnarchoRedisClient\"/>.</summary>");
        writer.WriteLine(GeneratedText.GeneratedCodeAttribute);
        writer.OpenBlock(accessibility + " sealed partial class " + spec.RepositoryName + " : " + interfaceName);
        writer.WriteLine("private readonly global::AnarchoRedis.ReplicatedListStore<" + model + "> _store;");
        writer.WriteLine();
        writer.WriteLine("/// <summary>Creates the repository over the client's list store for <see cref=\"" + model + "\"/>.</summary>");
        writer.WriteLine("/// <param name=\"client\">The client.</param>");
        writer.OpenBlock("public " + spec.RepositoryName + "(global::AnarchoRedis.AnarchoRedisClient client)");
        writer.WriteLine("global::System.ArgumentNullException.ThrowIfNull(client);");
        writer.WriteLine("_store = client.GetListStore(" + descriptor + ");");
        writer.CloseBlock();

        var keyArguments = "FormatKey(" + string.Join(", ", keyParts.Select(p => p.ParameterName)) + ")";
        foreach (var method in methods)
        {
            writer.WriteLine();
            writer.WriteLine("/// <inheritdoc />");
            var call = "_store." + method.Name + "(" + string.Join(", ", new[] { keyArguments }.Concat(method.Arguments)) + ");";
            if (method.NullChecked is { } checkedParameter)
            {
                writer.OpenBlock("public " + Signature(method, keyParts));
                writer.WriteLine("global::System.ArgumentNullException.ThrowIfNull(" + checkedParameter + ");");
                writer.WriteLine("return " + call);
                writer.CloseBlock();
            }
            else
            {
                writer.WriteLine("public " + Signature(method, keyParts) + " =>");
                writer.WriteLine("    " + call);
            }
        }

        writer.WriteLine();
        writer.WriteLine("/// <summary>Builds the Redis key " + template + " from its key parts, formatted with the invariant culture.</summary>");
        WriteKeyParamDocs(writer, keyParts);
        writer.WriteLine("/// <returns>The key.</returns>");
        if (keyParts.Any(p => p.Kind == PlaceholderKind.String))
        {
            writer.WriteLine("/// <exception cref=\"global::AnarchoRedis.InvalidKeyException\">A string key part is null or empty.</exception>");
        }

        writer.WriteLine("public static string FormatKey(" + string.Join(", ", keyParts.Select(p => p.TypeName + " " + p.ParameterName)) + ") =>");
        writer.WriteLine("    " + RepositoryEmitter.KeyExpression(spec.Parts) + ";");
        writer.CloseBlock();

        GeneratedText.CloseNamespace(writer, spec.Namespace);
        return writer.ToString();
    }

    private static string Signature(ListMethod method, IEnumerable<KeyPart> keyParts) =>
        method.ReturnType + " " + method.Name + "(" + string.Join(", ", keyParts.Select(p => p.TypeName + " " + p.ParameterName).Concat(method.Parameters)) + ")";

    // One entry per store method, in the store's order; the key parameters come first in every signature.
    private static IReadOnlyList<ListMethod> Methods(string model)
    {
        var writeResult = ValueTask + "<" + ListWriteResult + ">";
        var items = "global::System.Collections.Generic.IEnumerable<" + model + ">";
        var itemDoc = "/// <param name=\"item\">The element.</param>";
        var itemsDoc = "/// <param name=\"items\">The elements, in the order they are given.</param>";
        var pushReturns = "The push's version and the list's length after it, as the acknowledging nodes agreed.";
        var write = new[] { WriteOptionsParameter, CancellationParameter };
        var read = new[] { ReadOptionsParameter, CancellationParameter };
        var writeDocs = new[] { WriteOptionsDoc, WriteCancellationDoc };
        var readDocs = new[] { ReadOptionsDoc, ReadCancellationDoc };
        var passOn = new[] { "options", "cancellationToken" };

        return new[]
        {
            new ListMethod(
                "PushLeftAsync",
                writeResult,
                "Pushes <paramref name=\"item\"/> at the head of the list under the key built from the key parts (like LPUSH) and returns once the write quorum has acknowledged.",
                new[] { model + " item" }.Concat(write),
                new[] { itemDoc }.Concat(writeDocs),
                new[] { "item" }.Concat(passOn),
                pushReturns,
                "item"),
            new ListMethod(
                "PushLeftAsync",
                writeResult,
                "Pushes <paramref name=\"items\"/> at the head of the list, like <c>LPUSH key a b c</c>: the last element ends up first.",
                new[] { items + " items" }.Concat(write),
                new[] { itemsDoc }.Concat(writeDocs),
                new[] { "items" }.Concat(passOn),
                pushReturns,
                "items"),
            new ListMethod(
                "PushRightAsync",
                writeResult,
                "Pushes <paramref name=\"item\"/> at the tail of the list under the key built from the key parts (like RPUSH) and returns once the write quorum has acknowledged.",
                new[] { model + " item" }.Concat(write),
                new[] { itemDoc }.Concat(writeDocs),
                new[] { "item" }.Concat(passOn),
                pushReturns,
                "item"),
            new ListMethod(
                "PushRightAsync",
                writeResult,
                "Pushes <paramref name=\"items\"/> at the tail of the list, like <c>RPUSH key a b c</c>: the elements keep their order.",
                new[] { items + " items" }.Concat(write),
                new[] { itemsDoc }.Concat(writeDocs),
                new[] { "items" }.Concat(passOn),
                pushReturns,
                "items"),
            new ListMethod(
                "RangeAsync",
                ValueTask + "<global::System.Collections.Generic.IReadOnlyList<" + model + ">>",
                "Reads the elements from <paramref name=\"start\"/> to <paramref name=\"stop\"/> with LRANGE index semantics: 0 is the head, negative indexes count from the tail (-1 is the last element), both ends are inclusive and out-of-range indexes are clamped.",
                new[] { "long start = 0", "long stop = -1" }.Concat(read),
                new[] { "/// <param name=\"start\">The index of the first element; negative counts from the tail.</param>", "/// <param name=\"stop\">The index of the last element, inclusive; negative counts from the tail.</param>" }.Concat(readDocs),
                new[] { "start", "stop" }.Concat(passOn),
                "The elements in list order; empty when the list is absent or the range selects nothing.",
                null),
            new ListMethod(
                "LengthAsync",
                ValueTask + "<long>",
                "Counts the elements of the list under the key built from the key parts (like LLEN), waiting for the read quorum.",
                read,
                readDocs,
                passOn,
                "The number of elements; 0 when the list is absent.",
                null),
            new ListMethod(
                "PopLeftAsync",
                ValueTask + "<" + model + "?>",
                "Removes and returns the head element (like LPOP): a quorum read of the head, then its removal. Delivery is at-least-once: clients popping concurrently can receive the same element.",
                write,
                writeDocs,
                passOn,
                "The element, or <see langword=\"null\"/> when the list is empty or absent.",
                null),
            new ListMethod(
                "PopRightAsync",
                ValueTask + "<" + model + "?>",
                "Removes and returns the tail element (like RPOP): a quorum read of the tail, then its removal. Delivery is at-least-once: clients popping concurrently can receive the same element.",
                write,
                writeDocs,
                passOn,
                "The element, or <see langword=\"null\"/> when the list is empty or absent.",
                null),
            new ListMethod(
                "PopLeftOnceAsync",
                ValueTask + "<" + model + "?>",
                "Removes and returns the head element exactly once: each element goes to at most one caller of the exactly-once pops, however many pop concurrently (claims on a quorum of nodes, then a take; a work queue).",
                write,
                writeDocs,
                passOn,
                "The element, or <see langword=\"null\"/> when no element could be claimed (the list is empty, or every element is being popped by another caller).",
                null),
            new ListMethod(
                "PopRightOnceAsync",
                ValueTask + "<" + model + "?>",
                "Removes and returns the tail element exactly once: each element goes to at most one caller of the exactly-once pops, however many pop concurrently.",
                write,
                writeDocs,
                passOn,
                "The element, or <see langword=\"null\"/> when no element could be claimed (the list is empty, or every element is being popped by another caller).",
                null),
            new ListMethod(
                "RemoveAsync",
                ValueTask + "<long>",
                "Removes every element equal to <paramref name=\"item\"/>, compared by serialized bytes (like <c>LREM key 0 item</c>).",
                new[] { model + " item" }.Concat(write),
                new[] { "/// <param name=\"item\">The element to remove.</param>" }.Concat(writeDocs),
                new[] { "item" }.Concat(passOn),
                "How many elements were removed.",
                "item"),
            new ListMethod(
                "TrimAsync",
                ValueTask + "<" + ListWriteResult + ">",
                "Keeps only the elements from <paramref name=\"start\"/> to <paramref name=\"stop\"/> with LTRIM index semantics: negative indexes count from the tail, both ends are inclusive, and a range that selects nothing empties the list.",
                new[] { "long start", "long stop" }.Concat(write),
                new[] { "/// <param name=\"start\">The index of the first element kept; negative counts from the tail.</param>", "/// <param name=\"stop\">The index of the last element kept, inclusive; negative counts from the tail.</param>" }.Concat(writeDocs),
                new[] { "start", "stop" }.Concat(passOn),
                "The trim's version and the list's length after it.",
                null),
            new ListMethod(
                "TrimToNewestAsync",
                ValueTask + "<" + ListWriteResult + ">",
                "Keeps only the <paramref name=\"count\"/> newest elements (the highest ids, whatever side they were pushed at) by raising the list's floor: no tombstone is left per dropped element. A push older than the floor, from a client whose clock lags, is dropped on arrival.",
                new[] { "long count" }.Concat(write),
                new[] { "/// <param name=\"count\">How many of the newest elements to keep; 0 empties the list.</param>" }.Concat(writeDocs),
                new[] { "count" }.Concat(passOn),
                "The trim's version and the list's length after it; the version is zero when nothing had to be dropped.",
                null),
            new ListMethod(
                "DeleteAsync",
                ValueTask + "<global::AnarchoRedis.WriteResult>",
                "Deletes the whole list under the key built from the key parts: every element pushed before the delete is gone on every node, and later pushes start a new list.",
                write,
                writeDocs,
                passOn,
                "The delete's version and acknowledgement count.",
                null),
        };
    }

    private static void WriteKeyParamDocs(SourceWriter writer, IEnumerable<KeyPart> keyParts)
    {
        foreach (var part in keyParts)
        {
            writer.WriteLine("/// <param name=\"" + GeneratedText.ParamName(part.ParameterName) + "\">The key part <c>{" + part.Text + "}</c>.</param>");
        }
    }

    /// <param name="Name">The method name, the same on the store.</param>
    /// <param name="ReturnType">The return type, fully qualified.</param>
    /// <param name="Summary">The XML summary, already escaped.</param>
    /// <param name="Parameters">The parameters after the key parts, as declared.</param>
    /// <param name="ParameterDocs">The XML doc lines for <paramref name="Parameters"/>.</param>
    /// <param name="Arguments">The arguments passed to the store after the key.</param>
    /// <param name="Returns">The XML returns text.</param>
    /// <param name="NullChecked">The parameter checked for null, if any.</param>
    private sealed record ListMethod(
        string Name,
        string ReturnType,
        string Summary,
        IEnumerable<string> Parameters,
        IEnumerable<string> ParameterDocs,
        IEnumerable<string> Arguments,
        string Returns,
        string? NullChecked);
}
