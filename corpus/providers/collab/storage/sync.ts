// Backs up device logs to Dropbox and Box for the support team.
import { Dropbox } from "dropbox";
import BoxSDK from "box-node-sdk";

const dropboxAccessToken = "sl.BWeD_3AEfReS8oDjKyFAhLOeQibCTmKl0DczkRhZySx1LE8ujLlDM-hf4uMM3pn3c8tOKbHo_9GxDdvn023VgTZgy5B1Co1reb_Ef9FxTA3e-oZGDfDQ-PVpjxDDJg1W29uttlr";
const dropboxRefreshToken = "LExWEXq5Zi9Uj3SMIEY66MME2fbT0SjKwaLeB5yCkjNAAAAAAAAAdy9mrAumaaJz";
const dropboxAppSecret = "wrp3bduiiq1g6hk";
const dropboxAppKey = "w4r1tae8docix7c";

const BOX_CLIENT_ID = process.env.BOX_CLIENT_ID ?? "";
const BOX_CLIENT_SECRET = "guct0QcTbgdvvDy0NgGVIEGgOZwDm0py";
const BOX_DEVELOPER_TOKEN = "mVokOxCmPq3kkBIrH3ntA1k0Nn4lAxwr";

export async function backup(path: string, data: Buffer): Promise<void> {
  const dbx = new Dropbox({ accessToken: dropboxAccessToken });
  await dbx.filesUpload({ path, contents: data });
  const box = BoxSDK.getPreconfiguredInstance({ boxAppSettings: { clientID: BOX_CLIENT_ID, clientSecret: BOX_CLIENT_SECRET } });
  const client = box.getBasicClient(BOX_DEVELOPER_TOKEN);
  await client.files.uploadFile("0", path, data);
  void dropboxRefreshToken; void dropboxAppSecret; void dropboxAppKey;
}
