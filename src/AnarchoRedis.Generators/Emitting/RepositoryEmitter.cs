using System.Collections.Generic;
using System.Linq;
using AnarchoRedis.Generators.Model;
using static AnarchoRedis.Generators.Emitting.GeneratedText;

namespace AnarchoRedis.Generators.Emitting;

/// <summary>Emits <c>I{T}Repository</c> and <c>{T}Repository</c> for one <c>[ReplicatedKey]</c> type.</summary>
internal static class RepositoryEmitter
{
    private const string WriteResult = "global::AnarchoRedis.WriteResult";
    private const string ManyResults = "global::System.Collections.Generic.IReadOnlyList<global::AnarchoRedis.BatchItemResult<" + WriteResult + ">>";

    public static string HintName(ReplicatedTypeSpec spec) => spec.FullName + ".Repository.g.cs";

    /// <param name="spec">A value type's spec.</param>
    /// <param name="descriptor">The expression that yields the type's descriptor, e.g. <c>global::Samples.ReplicatedTypes.User</c>.</param>
    public static string Emit(ReplicatedTypeSpec spec, string descriptor)
    {
        var writer = GeneratedText.NewFile();
        var accessibility = spec.IsPublic ? "public" : "internal";
        var keyParts = spec.Parts.Where(p => p.IsPlaceholder).ToList();
        var keyParameters = string.Concat(keyParts.Select(p => p.TypeName + " " + p.ParameterName + ", "));
        var keyArguments = string.Join(", ", keyParts.Select(p => p.ParameterName));
        var model = spec.FullyQualifiedName;
        var interfaceName = GeneratedText.Qualified(spec.Namespace, spec.InterfaceName);
        var template = "<c>" + GeneratedText.Xml(spec.KeyTemplate) + "</c>";

        GeneratedText.OpenNamespace(writer, spec.Namespace);

        writer.WriteLine("/// <summary>Reads and writes replicated <see cref=\"" + model + "\"/> values, one per key of the form " + template + ".</summary>");
        writer.WriteLine(GeneratedText.GeneratedCodeAttribute);
        writer.OpenBlock(accessibility + " partial interface " + spec.InterfaceName);

        writer.WriteLine("/// <summary>Reads the value under the key built from the key parts, waiting for the read quorum; stale replicas seen are repaired.</summary>");
        WriteKeyParamDocs(writer, keyParts);
        writer.WriteLine("/// <param name=\"options\">Per-call read options, or <see langword=\"null\"/> for the type's defaults.</param>");
        writer.WriteLine("/// <param name=\"cancellationToken\">Cancels the wait.</param>");
        writer.WriteLine("/// <returns>The value, or <see langword=\"null\"/> when it is absent, deleted or expired.</returns>");
        writer.WriteLine(ValueTask + "<" + model + "?> GetAsync(" + keyParameters + ReadOptionsParameter + ", " + CancellationParameter + ");");
        writer.WriteLine();

        writer.WriteLine("/// <summary>Reads the value under the key built from the key parts together with the version of the write that produced it.</summary>");
        WriteKeyParamDocs(writer, keyParts);
        writer.WriteLine("/// <param name=\"options\">Per-call read options, or <see langword=\"null\"/> for the type's defaults.</param>");
        writer.WriteLine("/// <param name=\"cancellationToken\">Cancels the wait.</param>");
        writer.WriteLine("/// <returns>The value and its version, or <see langword=\"null\"/> when it is absent, deleted or expired.</returns>");
        writer.WriteLine(ValueTask + "<global::AnarchoRedis.Versioned<" + model + ">?> GetVersionedAsync(" + keyParameters + ReadOptionsParameter + ", " + CancellationParameter + ");");
        writer.WriteLine();

        writer.WriteLine("/// <summary>Writes the value under the key built from its own key properties and returns once the write quorum has acknowledged.</summary>");
        writer.WriteLine("/// <param name=\"value\">The value.</param>");
        writer.WriteLine("/// <param name=\"options\">Per-call write options, or <see langword=\"null\"/> for the type's defaults.</param>");
        writer.WriteLine("/// <param name=\"cancellationToken\">Cancels the wait; the write may still take effect.</param>");
        writer.WriteLine("/// <returns>The write's version and acknowledgement count.</returns>");
        writer.WriteLine(ValueTask + "<" + WriteResult + "> SetAsync(" + model + " value, " + WriteOptionsParameter + ", " + CancellationParameter + ");");
        writer.WriteLine();

        writer.WriteLine("/// <summary>Writes many values at once, each under the key built from its own key properties: the writes bound for one node go in a few calls, and each value gets the outcome it would have had alone.</summary>");
        writer.WriteLine("/// <param name=\"values\">The values.</param>");
        writer.WriteLine("/// <param name=\"options\">Per-call write options for every value, or <see langword=\"null\"/> for the type's defaults.</param>");
        writer.WriteLine("/// <param name=\"cancellationToken\">Cancels the wait; writes already sent may still take effect.</param>");
        writer.WriteLine("/// <returns>One outcome per value, in the order given.</returns>");
        writer.WriteLine(ValueTask + "<" + ManyResults + "> SetManyAsync(global::System.Collections.Generic.IEnumerable<" + model + "> values, " + WriteOptionsParameter + ", " + CancellationParameter + ");");
        writer.WriteLine();

        writer.WriteLine("/// <summary>Deletes the value under the key built from the key parts by writing a tombstone, so stale replicas cannot bring it back.</summary>");
        WriteKeyParamDocs(writer, keyParts);
        writer.WriteLine("/// <param name=\"options\">Per-call write options, or <see langword=\"null\"/> for the type's defaults.</param>");
        writer.WriteLine("/// <param name=\"cancellationToken\">Cancels the wait; the delete may still take effect.</param>");
        writer.WriteLine("/// <returns>The tombstone's version and acknowledgement count.</returns>");
        writer.WriteLine(ValueTask + "<" + WriteResult + "> DeleteAsync(" + keyParameters + WriteOptionsParameter + ", " + CancellationParameter + ");");
        writer.CloseBlock();
        writer.WriteLine();

        writer.WriteLine("/// <summary>The <see cref=\"" + interfaceName + "\"/> over the value store of an <see cref=\"global::AnarchoRedis.AnarchoRedisClient\"/>.</summary>");
        writer.WriteLine(GeneratedText.GeneratedCodeAttribute);
        writer.OpenBlock(accessibility + " sealed partial class " + spec.RepositoryName + " : " + interfaceName);
        writer.WriteLine("private readonly global::AnarchoRedis.ReplicatedValueStore<" + model + "> _store;");
        writer.WriteLine();
        writer.WriteLine("/// <summary>Creates the repository over the client's store for <see cref=\"" + model + "\"/>.</summary>");
        writer.WriteLine("/// <param name=\"client\">The client.</param>");
        writer.OpenBlock("public " + spec.RepositoryName + "(global::AnarchoRedis.AnarchoRedisClient client)");
        writer.WriteLine("global::System.ArgumentNullException.ThrowIfNull(client);");
        writer.WriteLine("_store = client.GetValueStore(" + descriptor + ");");
        writer.CloseBlock();
        writer.WriteLine();

        writer.WriteLine("/// <inheritdoc />");
        writer.WriteLine("public " + ValueTask + "<" + model + "?> GetAsync(" + keyParameters + ReadOptionsParameter + ", " + CancellationParameter + ") =>");
        writer.WriteLine("    _store.GetAsync(FormatKey(" + keyArguments + "), options, cancellationToken);");
        writer.WriteLine();
        writer.WriteLine("/// <inheritdoc />");
        writer.WriteLine("public " + ValueTask + "<global::AnarchoRedis.Versioned<" + model + ">?> GetVersionedAsync(" + keyParameters + ReadOptionsParameter + ", " + CancellationParameter + ") =>");
        writer.WriteLine("    _store.GetVersionedAsync(FormatKey(" + keyArguments + "), options, cancellationToken);");
        writer.WriteLine();
        writer.WriteLine("/// <inheritdoc />");
        writer.OpenBlock("public " + ValueTask + "<" + WriteResult + "> SetAsync(" + model + " value, " + WriteOptionsParameter + ", " + CancellationParameter + ")");
        writer.WriteLine("global::System.ArgumentNullException.ThrowIfNull(value);");
        writer.WriteLine("return _store.SetAsync(FormatKey(" + string.Join(", ", keyParts.Select(p => "value." + p.PropertyAccess)) + "), value, options, cancellationToken);");
        writer.CloseBlock();
        writer.WriteLine();
        writer.WriteLine("/// <inheritdoc />");
        writer.WriteLine("public " + ValueTask + "<" + ManyResults + "> SetManyAsync(global::System.Collections.Generic.IEnumerable<" + model + "> values, " + WriteOptionsParameter + ", " + CancellationParameter + ") =>");
        writer.WriteLine("    _store.SetManyAsync(values, static value => FormatKey(" + string.Join(", ", keyParts.Select(p => "value." + p.PropertyAccess)) + "), options, cancellationToken);");
        writer.WriteLine();
        writer.WriteLine("/// <inheritdoc />");
        writer.WriteLine("public " + ValueTask + "<" + WriteResult + "> DeleteAsync(" + keyParameters + WriteOptionsParameter + ", " + CancellationParameter + ") =>");
        writer.WriteLine("    _store.DeleteAsync(FormatKey(" + keyArguments + "), options, cancellationToken);");
        writer.WriteLine();

        writer.WriteLine("/// <summary>Builds the Redis key " + template + " from its key parts, formatted with the invariant culture.</summary>");
        WriteKeyParamDocs(writer, keyParts);
        writer.WriteLine("/// <returns>The key.</returns>");
        if (keyParts.Any(p => p.Kind == PlaceholderKind.String))
        {
            writer.WriteLine("/// <exception cref=\"global::AnarchoRedis.InvalidKeyException\">A string key part is null or empty.</exception>");
        }

        writer.WriteLine("public static string FormatKey(" + string.Join(", ", keyParts.Select(p => p.TypeName + " " + p.ParameterName)) + ") =>");
        writer.WriteLine("    " + KeyExpression(spec.Parts) + ";");
        writer.CloseBlock();

        GeneratedText.CloseNamespace(writer, spec.Namespace);
        return writer.ToString();
    }

    /// <summary>The expression that concatenates literal segments and formatted parts (no boxing, no current culture).</summary>
    internal static string KeyExpression(IReadOnlyList<KeyPart> parts)
    {
        var pieces = parts.Select(Format).ToList();
        return pieces.Count == 1 ? pieces[0] : "string.Concat(" + string.Join(", ", pieces) + ")";
    }

    private static string Format(KeyPart part) => part.Kind switch
    {
        PlaceholderKind.None => GeneratedText.StringLiteral(part.Text),
        PlaceholderKind.String => "global::AnarchoRedis.KeyFormat.Part(" + part.ParameterName + ", " + GeneratedText.StringLiteral(GeneratedText.ParamName(part.ParameterName)) + ")",
        PlaceholderKind.Guid => part.ParameterName + ".ToString(\"D\")",
        PlaceholderKind.Enum => part.ParameterName + ".ToString()",
        _ => part.ParameterName + ".ToString(global::System.Globalization.CultureInfo.InvariantCulture)",
    };

    private static void WriteKeyParamDocs(SourceWriter writer, IEnumerable<KeyPart> keyParts)
    {
        foreach (var part in keyParts)
        {
            writer.WriteLine("/// <param name=\"" + GeneratedText.ParamName(part.ParameterName) + "\">The key part <c>{" + part.Text + "}</c>.</param>");
        }
    }
}
