// Sign.java signs a SAML Response with the JDK's own XML-DSig implementation (JSR 105,
// Apache Santuario inside the JDK), so that the Go tests can check signatures made by
// something other than goxmldsig. Run by `go test ./connector/saml -run TestFixtures -update`:
//
//	java Sign.java IN.xml OUT.xml KEY.pk8.pem CERT.pem assertion|response|both
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.Base64;
import java.util.List;
import javax.xml.crypto.dsig.CanonicalizationMethod;
import javax.xml.crypto.dsig.DigestMethod;
import javax.xml.crypto.dsig.Reference;
import javax.xml.crypto.dsig.SignedInfo;
import javax.xml.crypto.dsig.Transform;
import javax.xml.crypto.dsig.XMLSignatureFactory;
import javax.xml.crypto.dsig.dom.DOMSignContext;
import javax.xml.crypto.dsig.keyinfo.KeyInfo;
import javax.xml.crypto.dsig.keyinfo.KeyInfoFactory;
import javax.xml.crypto.dsig.spec.C14NMethodParameterSpec;
import javax.xml.crypto.dsig.spec.TransformParameterSpec;
import javax.xml.parsers.DocumentBuilderFactory;
import javax.xml.transform.TransformerFactory;
import javax.xml.transform.dom.DOMSource;
import javax.xml.transform.stream.StreamResult;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.Node;

public class Sign {
    static final String SAML = "urn:oasis:names:tc:SAML:2.0:assertion";

    public static void main(String[] a) throws Exception {
        DocumentBuilderFactory dbf = DocumentBuilderFactory.newInstance();
        dbf.setNamespaceAware(true);
        Document doc = dbf.newDocumentBuilder().parse(new File(a[0]));
        String pem = Files.readString(Path.of(a[2])).replaceAll("-----[A-Z ]+-----", "").replaceAll("\\s", "");
        PrivateKey key = KeyFactory.getInstance("RSA").generatePrivate(new PKCS8EncodedKeySpec(Base64.getDecoder().decode(pem)));
        X509Certificate cert = (X509Certificate) CertificateFactory.getInstance("X.509")
                .generateCertificate(Files.newInputStream(Path.of(a[3])));
        Element response = doc.getDocumentElement();
        Element assertion = (Element) response.getElementsByTagNameNS(SAML, "Assertion").item(0);
        if (!a[4].equals("response")) {
            sign(assertion, key, cert);
        }
        if (!a[4].equals("assertion")) {
            sign(response, key, cert);
        }
        TransformerFactory.newInstance().newTransformer().transform(new DOMSource(doc), new StreamResult(new File(a[1])));
    }

    // sign adds an enveloped RSA-SHA256 signature with exclusive canonicalization right after
    // the element's own Issuer, where the SAML schema puts it.
    static void sign(Element el, PrivateKey key, X509Certificate cert) throws Exception {
        el.setIdAttributeNS(null, "ID", true);
        XMLSignatureFactory f = XMLSignatureFactory.getInstance("DOM");
        List<Transform> transforms = List.of(
                f.newTransform(Transform.ENVELOPED, (TransformParameterSpec) null),
                f.newTransform(CanonicalizationMethod.EXCLUSIVE, (TransformParameterSpec) null));
        Reference ref = f.newReference("#" + el.getAttribute("ID"), f.newDigestMethod(DigestMethod.SHA256, null), transforms, null, null);
        SignedInfo si = f.newSignedInfo(
                f.newCanonicalizationMethod(CanonicalizationMethod.EXCLUSIVE, (C14NMethodParameterSpec) null),
                f.newSignatureMethod("http://www.w3.org/2001/04/xmldsig-more#rsa-sha256", null), List.of(ref));
        KeyInfoFactory kif = f.getKeyInfoFactory();
        KeyInfo ki = kif.newKeyInfo(List.of(kif.newX509Data(List.of(cert))));
        Node issuer = null;
        for (Node n = el.getFirstChild(); n != null; n = n.getNextSibling()) {
            if (n instanceof Element && SAML.equals(n.getNamespaceURI()) && "Issuer".equals(n.getLocalName())) {
                issuer = n;
                break;
            }
        }
        DOMSignContext ctx = new DOMSignContext(key, el, issuer == null ? el.getFirstChild() : issuer.getNextSibling());
        ctx.setDefaultNamespacePrefix("ds");
        f.newXMLSignature(si, ki).sign(ctx);
    }
}
